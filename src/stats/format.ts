// Cell formats of the HTML page, shared in spirit with the page's script (client.ts), which
// re-implements the same few rules in the browser for in-place updates.

/** `9984` → `<span class="rls">9</span>984`: the digit before each 3-digit group gets letter-spacing. */
export function groupDigits(n: number | string): string {
  const s = String(n);
  if (!/^\d{4,}$/.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const left = s.length - i - 1;
    out += left > 0 && left % 3 === 0 ? `<span class="rls">${s[i]}</span>` : s[i];
  }
  return out;
}

/** At most two units of d/h/m/s: `0s`, `1m46s`, `2h5m`, `3d4h`; negative → `?`. */
export function humanDuration(sec: number): string {
  if (sec < 0) return '?';
  const d = Math.floor(sec / 86400);
  const h = Math.floor((sec % 86400) / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  if (d > 0) return `${d}d${h}h`;
  if (h > 0) return `${h}h${m}m`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(s: string | number | undefined): string {
  return s === undefined ? '' : String(s).replace(/[&<>"']/g, (c) => ESC[c]!);
}
