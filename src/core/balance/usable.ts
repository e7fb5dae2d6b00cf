// The usable set every algorithm starts from: active servers with an effective weight, or,
// when none is left, the backup servers (only the first unless `option allbackups`).

import type { Proxy } from '../proxy.js';
import type { Server } from '../server.js';
import { effectiveWeight } from '../server-state.js';
import { OpState } from '../server-state-types.js';

export interface Candidate {
  server: Server;
  weight: number;
  /** Smooth weighted round-robin accumulator. */
  current: number;
}

export interface UsableSet {
  candidates: Candidate[];
  totalWeight: number;
  /** Some server is in a slowstart ramp: weights must be refreshed as time passes. */
  ramping: boolean;
}

export function usableSet(proxy: Proxy, nowMs: number, previous?: Candidate[]): UsableSet {
  const prev = new Map(previous?.map((c) => [c.server, c.current]));
  const pickFrom = (backup: boolean): Candidate[] =>
    proxy.servers
      .filter((s) => s.config.backup === backup)
      .map((s) => ({ server: s, weight: effectiveWeight(s.state, s.config.slowstart, nowMs), current: prev.get(s) ?? 0 }))
      .filter((c) => c.weight > 0);
  let candidates = pickFrom(false);
  if (candidates.length === 0) {
    candidates = pickFrom(true);
    if (!proxy.config.options.allbackups) candidates = candidates.slice(0, 1);
  }
  let totalWeight = 0;
  for (const c of candidates) totalWeight += c.weight;
  const ramping = candidates.some((c) => c.server.state.op === OpState.STARTING);
  return { candidates, totalWeight, ramping };
}

/** A server at its maxconn takes no new request: the caller queues instead. */
export function isFull(server: Server): boolean {
  return server.maxconn > 0 && server.served >= server.maxconn;
}
