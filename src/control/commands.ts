// STUB (issue 4 replaces it): the one place that changes operator-visible state. The stats
// page, the runtime API, agents and the fleet all call these functions.

import type { Runtime } from '../core/runtime.js';
import type { Server } from '../core/server.js';
import type { Logger } from '../log/logger.js';

/** Server actions with the names HAProxy's stats form posts. */
export type ServerAction =
  | 'ready' | 'drain' | 'maint'
  | 'dhlth' | 'ehlth' | 'hrunn' | 'hnolb' | 'hdown'
  | 'dagent' | 'eagent' | 'arunn' | 'adown'
  | 'shutdown';

/** Who asked, for the audit log. */
export interface Actor {
  via: 'page' | 'socket' | 'agent' | 'fleet' | 'reload';
  user?: string;
  src?: string;
}

/** `applied` false means the action was valid but changed nothing (HAProxy's NONE / agent not enabled). */
export type ActionResult = { ok: true; applied: boolean } | { ok: false; message: string };

export interface Control {
  serverAction(server: Server, action: ServerAction, actor: Actor): ActionResult;
  /** `set server b/s weight 50` / `50%`: message texts as HAProxy's CLI. */
  setWeight(server: Server, weight: string, actor: Actor): ActionResult;
  setMaxconn(server: Server, maxconn: number, actor: Actor): ActionResult;
  setAddress(server: Server, addr: string, port: number | undefined, actor: Actor): ActionResult;
}

export function createControl(_runtime: Runtime, _log: Logger): Control {
  throw new Error('createControl: not implemented yet');
}
