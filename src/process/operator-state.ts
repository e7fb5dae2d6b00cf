// Operator-set server state carried across a reload by backend/server name: DRAIN/MAINT set
// by an operator and operator weights. The new config wins for everything else (addresses,
// configured weights, new and removed servers).

import type { Runtime } from '../core/runtime.js';
import { AdminFlag } from '../core/server-state-types.js';

export interface SavedServer {
  backend: string;
  server: string;
  /** Only the operator-forced bits (FMAINT, FDRAIN). */
  admin: number;
  weight?: number;
}

export type OperatorState = SavedServer[];

const OPERATOR_BITS = AdminFlag.FMAINT | AdminFlag.FDRAIN;

export function exportOperatorState(runtime: Runtime): OperatorState {
  const out: OperatorState = [];
  for (const proxy of runtime.proxies) {
    if (!proxy.config.isBackend) continue;
    for (const srv of proxy.servers) {
      // Every server, READY ones too: a carried READY must override a stale state file.
      const admin = srv.state.admin & OPERATOR_BITS;
      const weight = srv.state.weightSetByOperator ? srv.state.weight : undefined;
      out.push({ backend: proxy.name, server: srv.name, admin, ...(weight !== undefined ? { weight } : {}) });
    }
  }
  return out;
}

/** Apply saved state to a runtime that has not accepted traffic yet. Returns what matched. */
export function applyOperatorState(runtime: Runtime, state: OperatorState): number {
  let applied = 0;
  for (const saved of state) {
    const srv = runtime.backend(saved.backend)?.serversByName.get(saved.server);
    if (!srv) continue;
    srv.state.admin = (srv.state.admin & ~OPERATOR_BITS) | (saved.admin & OPERATOR_BITS);
    if (saved.weight !== undefined) {
      srv.state.weight = saved.weight;
      srv.state.weightSetByOperator = true;
    }
    applied++;
  }
  return applied;
}
