// Which rows an output shows: `;up`, `;no-maint`, scope (URL and `stats scope`), the
// `show stat <iid> <type> <sid>` filter, and the fields hidden from the HTTP page unless
// `stats show-legends` (addr, cookie, algo). Returns new rows; the snapshot is not touched.

import { FIELD_INDEX } from './fields.js';
import type { ProxySnapshot, Snapshot, StatRow } from './snapshot.js';

export interface SelectOptions {
  /** `;up`: hide servers in MAINT and servers fully DOWN. */
  up?: boolean;
  /** `;no-maint`: hide servers in MAINT. */
  noMaint?: boolean;
  /** URL `scope=`: case-insensitive substring of the proxy name. */
  scope?: string;
  /** `stats scope` lines: exact proxy names allowed (empty or absent = all). */
  allowedProxies?: readonly string[];
  /** `show stat <iid> <type> <sid>`: -1 / undefined = any. typeMask bits: 1 FE, 2 BE, 4 server. */
  iid?: number;
  typeMask?: number;
  sid?: number;
  /** Fill addr, cookie and algo (CLI operator/admin level, or `stats show-legends`). */
  legends?: boolean;
}

const STATUS = FIELD_INDEX.get('status')!;
const LEGEND_FIELDS = ['addr', 'cookie', 'algo'].map((n) => FIELD_INDEX.get(n)!);

function hiddenServer(row: StatRow, opts: SelectOptions): boolean {
  const status = String(row.values[STATUS]);
  if ((opts.up || opts.noMaint) && status.startsWith('MAINT')) return true;
  return !!opts.up && (status === 'DOWN' || status === 'DOWN (agent)');
}

function typeBit(row: StatRow): number {
  return row.type === 0 ? 1 : row.type === 1 ? 2 : row.type === 2 ? 4 : 8;
}

export function proxyInScope(px: ProxySnapshot, opts: SelectOptions): boolean {
  if (opts.allowedProxies && opts.allowedProxies.length > 0 && !opts.allowedProxies.includes(px.name)) return false;
  if (opts.scope && !px.name.toLowerCase().includes(opts.scope.toLowerCase())) return false;
  if (opts.iid !== undefined && opts.iid !== -1 && px.iid !== opts.iid) return false;
  return true;
}

/** The proxies and rows to show, with BACKEND status `UP (n/m)` under `;up` / `;no-maint`. */
export function selectProxies(snap: Snapshot, opts: SelectOptions): ProxySnapshot[] {
  const out: ProxySnapshot[] = [];
  for (const px of snap.proxies) {
    if (!proxyInScope(px, opts)) continue;
    const servers = px.rows.filter((r) => r.type === 2);
    const rows: StatRow[] = [];
    for (const row of px.rows) {
      if (opts.typeMask !== undefined && opts.typeMask !== -1 && !(opts.typeMask & typeBit(row))) continue;
      if (row.type === 2) {
        if (opts.sid !== undefined && opts.sid !== -1 && row.sid !== opts.sid) continue;
        if (hiddenServer(row, opts)) continue;
      }
      let values = row.values;
      if (!opts.legends) {
        values = values.slice();
        for (const i of LEGEND_FIELDS) values[i] = undefined;
      }
      if (row.type === 1 && (opts.up || opts.noMaint)) {
        if (values === row.values) values = values.slice();
        const running = servers.filter((s) => s.server!.op !== 0).length;
        values[STATUS] = `${String(values[STATUS])} (${running}/${servers.length})`;
      }
      rows.push(values === row.values ? row : { ...row, values });
    }
    out.push({ ...px, rows });
  }
  return out;
}

export function selectRows(snap: Snapshot, opts: SelectOptions): StatRow[] {
  return selectProxies(snap, opts).flatMap((p) => p.rows);
}
