// The whole process's stats when nbthread runs several workers: each worker gives its own
// snapshot, and the parts are merged row by row (matched by proxy, name and type) using the
// field tags HAProxy prints: counters, gauges and rates are summed, peaks take the largest
// (time peaks) or the sum (count peaks, which the workers reach separately), averages are
// averaged, and states, config and check results come from the asking worker: operator state
// is shared (worker.ts), and summing check counters would count the same probe once per worker.

import type { Runtime } from '../core/runtime.js';
import { STAT_FIELDS } from '../stats/fields.js';
import { buildSnapshot, type Snapshot, type StatRow } from '../stats/snapshot.js';
import { collect, provide } from './cluster-state.js';

const KIND = 'stats';

type Merge = 'sum' | 'max' | 'avg' | 'recent' | 'own';

const OWN = new Set(['chkfail', 'chkdown', 'downtime', 'hanafail', 'lastchg', 'pid', 'iid', 'sid', 'weight', 'uweight', 'throttle']);

function mergeOf(name: string, tags: string): Merge {
  if (OWN.has(name) || tags[0] !== 'M') return 'own';
  switch (tags[1]) {
    case 'C': case 'R': return 'sum';
    case 'G': return name.startsWith('agg_') ? 'own' : 'sum';
    case 'M': return name.endsWith('time_max') ? 'max' : 'sum';
    case 'a': return 'avg';
    case 'A': return 'recent';
    default: return 'own';
  }
}

const MERGES: readonly Merge[] = STAT_FIELDS.map((f) => mergeOf(f.name, f.tags));

function mergeValues(i: number, rows: StatRow[]): void {
  const own = rows[0].values[i];
  if (typeof own !== 'number') return;
  const nums = rows.map((r) => r.values[i]).filter((v): v is number => typeof v === 'number');
  switch (MERGES[i]) {
    case 'sum': rows[0].values[i] = nums.reduce((a, b) => a + b, 0); break;
    case 'max': rows[0].values[i] = Math.max(...nums); break;
    case 'avg': {
      const set = nums.filter((v) => v > 0);
      rows[0].values[i] = set.length ? Math.round(set.reduce((a, b) => a + b, 0) / set.length) : 0;
      break;
    }
    case 'recent': {
      // Seconds since the last event; negative means never.
      const seen = nums.filter((v) => v >= 0);
      if (seen.length) rows[0].values[i] = Math.min(...seen);
      break;
    }
    case 'own': break;
  }
}

const rowKey = (r: StatRow): string => `${r.pxname}\u0000${r.svname}\u0000${r.type}`;

/** Merge other workers' snapshots into `own` (modified and returned). */
export function mergeSnapshots(own: Snapshot, others: Snapshot[]): Snapshot {
  if (others.length === 0) return own;
  const byKey = others.map((s) => new Map(s.proxies.flatMap((p) => p.rows).map((r) => [rowKey(r), r])));
  for (const px of own.proxies) {
    for (const row of px.rows) {
      const rows = [row, ...byKey.map((m) => m.get(rowKey(row))).filter((r): r is StatRow => r !== undefined)];
      if (rows.length > 1) for (let i = 0; i < row.values.length; i++) mergeValues(i, rows);
    }
  }
  const p = own.process;
  p.nbthread = others.length + 1;
  for (const o of others.map((s) => s.process)) {
    p.currConns += o.currConns;
    p.maxConnReached += o.maxConnReached;
    p.cumConns += o.cumConns;
    p.cumReq += o.cumReq;
    p.connRate += o.connRate;
    p.connRateMax += o.connRateMax;
    p.sessRate += o.sessRate;
    p.sessRateMax += o.sessRateMax;
    p.bytesOut += o.bytesOut;
  }
  return own;
}

/** Let the other workers read this worker's snapshot. */
export function provideSnapshot(runtime: Runtime): void {
  provide(KIND, () => buildSnapshot(runtime, Date.now()));
}

/** One snapshot of the whole process: this worker's, with the other workers' merged in. */
export async function collectSnapshot(runtime: Runtime, nowMs = Date.now()): Promise<Snapshot> {
  const own = buildSnapshot(runtime, nowMs);
  const parts = await collect<Snapshot>(KIND);
  return mergeSnapshots(own, parts.filter((s) => s.process.pid !== own.process.pid));
}
