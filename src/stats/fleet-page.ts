// `<stats uri>;fleet`: the fleet on one page — live instances, and per server the state and key
// counters of every instance side by side, totals per backend, and config drift. Read-only;
// state changes stay on each instance's own page (they reach the others through etcd).

import type { FleetView, ServerFigures } from '../fleet/view.js';
import { esc } from './format.js';

const STYLE = `body{font-family:Arial,Helvetica,sans-serif;font-size:13px;margin:8px}
table{border-collapse:collapse;margin:6px 0}th,td{border:1px solid #999;padding:2px 6px;text-align:left}
th{background:#20a0a0;color:#fff}.down{color:#c00;font-weight:bold}.drift{background:#fdd}
td.UP{background:#c0ffc0}td.DOWN{background:#ff9090}td.DRAIN,td.NOLB{background:#b0d0ff}td.MAINT{background:#c07820;color:#fff}
@media (prefers-color-scheme:dark){body{background:#15181c;color:#ddd}th{background:#106868}td.UP{background:#1f5a28}td.DOWN{background:#7a2626}td.DRAIN,td.NOLB{background:#27467a}}`;

function cell(f: ServerFigures | undefined): string {
  if (!f) return '<td class="drift">not configured</td>';
  const cls = f.status.split(' ')[0];
  return `<td class="${esc(cls)}">${esc(f.status)} · w${f.weight} · cur ${f.scur} · tot ${f.stot}</td>`;
}

export function renderFleetPage(view: FleetView, statsUri: string): string {
  const st = view.status;
  const link = st.link === 'up' ? 'up' : `<span class="down">down${st.reason ? ` (${esc(st.reason)})` : ''}</span>`;
  let body = `<h1>Fleet ${esc(st.prefix)}</h1><p>This instance: <b>${esc(st.node)}</b>; etcd link ${link}; revision ${st.revision}. <a href="${esc(statsUri)}">Back to this instance's statistics</a></p>`;
  if (st.notShared.length > 0) body += `<p class="down">Not shared yet: ${st.notShared.map(esc).join(', ')}</p>`;
  if (view.error) return page(body + `<p class="down">${esc(view.error)}</p>`);
  const nodes = view.instances.map((i) => i.node);
  body += `<h2>Instances (${view.instances.length} alive)</h2><table><tr><th>node</th><th>stats</th><th>since</th><th>read</th></tr>`;
  for (const i of view.instances) {
    body += `<tr><td>${esc(i.node)}</td><td>${esc(i.statsUrl ?? '-')}</td><td>${esc(i.since ?? '-')}</td><td>${i.error ? `<span class="down">${esc(i.error)}</span>` : 'ok'}</td></tr>`;
  }
  body += '</table><h2>Servers</h2><table><tr><th>server</th>' + nodes.map((n) => `<th>${esc(n)}</th>`).join('') + '</tr>';
  for (const s of view.servers) body += `<tr><td>${esc(s.name)}</td>${s.byNode.map(cell).join('')}</tr>`;
  body += '</table><h2>Backends</h2><table><tr><th>backend</th><th>total cur</th><th>total tot</th><th>econ</th><th>eresp</th>' + nodes.map((n) => `<th>${esc(n)}</th>`).join('') + '</tr>';
  for (const b of view.backends) {
    body += `<tr><td>${esc(b.name)}</td><td>${b.total.scur}</td><td>${b.total.stot}</td><td>${b.total.econ}</td><td>${b.total.eresp}</td>${b.byNode.map(cell).join('')}</tr>`;
  }
  body += `</table><h2>Config drift</h2>`;
  body += view.drift.length === 0 ? '<p>none: every instance has the same backends and servers.</p>' : '<ul>' + view.drift.map((d) => `<li class="down">${esc(d.name)}: on ${d.presentOn.map(esc).join(', ')}, missing on ${d.missingOn.map(esc).join(', ')}</li>`).join('') + '</ul>';
  return page(body);
}

function page(body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Switchyard fleet</title><style>${STYLE}</style></head><body>${body}</body></html>\n`;
}
