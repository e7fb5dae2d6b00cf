// HAProxy's number formats: times with units (us, ms, s, m, h, d) and sizes (k, m, g).

export type UnitResult = { ok: true; value: number } | { ok: false; badChar: string };

const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parse a time; a bare number is in `defaultUnitMs` (1 for most keywords, 1000 for
 * `stats refresh`). On failure reports the first character HAProxy would complain about.
 */
export function parseTime(text: string, defaultUnitMs = 1): UnitResult {
  const m = /^(\d*)(.*)$/s.exec(text)!;
  const digits = m[1];
  const unit = m[2];
  if (digits === '') return { ok: false, badChar: text[0] ?? '' };
  const n = Number(digits);
  if (unit === '') return { ok: true, value: n * defaultUnitMs };
  const factor = TIME_UNITS[unit];
  if (factor !== undefined) return { ok: true, value: Math.ceil(n * factor) };
  // HAProxy reports the character after the longest valid unit prefix.
  for (const u of ['us', 'ms', 'm', 's', 'h', 'd']) {
    if (unit.startsWith(u) && unit.length > u.length) return { ok: false, badChar: unit[u.length] };
  }
  return { ok: false, badChar: unit[0] };
}

/** Parse a size with optional k/m/g suffix (powers of 1024), as for tune.bufsize. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+)([kKmMgG]?)$/.exec(text);
  if (!m) return undefined;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * mult;
}

/** A plain non-negative decimal integer, or undefined. */
export function parseUint(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/** Like C's atol(): leading digits, 0 when none (HAProxy accepts `maxconn abc` as 0). */
export function atol(text: string): number {
  const m = /^\s*([+-]?\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}
