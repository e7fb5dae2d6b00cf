// Operator-set server state shared by the workers of one process and carried across a
// reload by backend/server name (control/'s SavedServerState: DRAIN/MAINT, operator
// weights, forced health). The new config wins for everything else.

import { applyServerEvent } from '../core/apply.js';
import type { Runtime } from '../core/runtime.js';
import type { Server } from '../core/server.js';
import { exportOperatorState, type SavedServerState } from '../control/commands.js';

export { applyOperatorState, exportOperatorState } from '../control/commands.js';

export type OperatorState = SavedServerState[];

const key = (s: SavedServerState): string => `${s.backend}/${s.server}`;

/** `newer` wins for every server it names; `older` fills in the rest. */
export function mergeStates(older: OperatorState, newer: OperatorState): OperatorState {
  const named = new Set(newer.map(key));
  return [...older.filter((s) => !named.has(key(s))), ...newer];
}

/** Entries of `now` that differ from `before` (compared by name). */
export function changedStates(before: OperatorState, now: OperatorState): OperatorState {
  const old = new Map(before.map((s) => [key(s), JSON.stringify(s)]));
  return now.filter((s) => old.get(key(s)) !== JSON.stringify(s));
}

/**
 * Bring a live server to `want`, clearing as well as setting (a READY from another worker
 * must lift a DRAIN here). No log: the worker where the operator acted already logged it.
 */
function converge(server: Server, want: SavedServerState, now: SavedServerState, nowMs: number): void {
  if (want.drain !== now.drain || want.maint !== now.maint) {
    applyServerEvent(server, { type: 'admin', action: 'ready' }, nowMs);
    if (want.drain) applyServerEvent(server, { type: 'admin', action: 'drain' }, nowMs);
    if (want.maint) applyServerEvent(server, { type: 'admin', action: 'maint' }, nowMs);
  }
  if (want.weight !== undefined && want.weight !== now.weight) applyServerEvent(server, { type: 'weight', weight: want.weight }, nowMs);
  if (want.healthChecks !== undefined && want.healthChecks !== now.healthChecks) {
    applyServerEvent(server, { type: 'health-checks', enable: want.healthChecks }, nowMs);
  }
  if (want.agentChecks !== undefined && want.agentChecks !== now.agentChecks) {
    applyServerEvent(server, { type: 'agent-checks', enable: want.agentChecks }, nowMs);
  }
  if (want.forcedHealth && want.forcedHealth !== now.forcedHealth) {
    applyServerEvent(server, { type: 'force-health', to: want.forcedHealth }, nowMs);
  }
}

/** Apply states decided in another worker to this worker's live runtime. */
export function applyRemoteStates(runtime: Runtime, states: OperatorState, nowMs = Date.now()): void {
  const current = new Map(exportOperatorState(runtime).map((s) => [key(s), s]));
  for (const want of states) {
    const server = runtime.backend(want.backend)?.serversByName.get(want.server);
    const now = current.get(key(want));
    if (server && now) converge(server, want, now, nowMs);
  }
}
