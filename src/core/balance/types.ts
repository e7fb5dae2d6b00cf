// The contract every balancing algorithm implements (HAProxy's lb_* hooks, condensed).

import type { Server } from '../server.js';

/** What an algorithm may hash on. */
export interface BalanceKey {
  src: string;
  uri?: string;
  header?: (lowerCaseName: string) => string | undefined;
}

export interface Balancer {
  /** Recompute the usable set and weights after any server state, weight or maxconn change. */
  update(nowMs: number): void;
  /**
   * Choose a server for a new load-balanced request, or undefined when none is usable
   * (or all usable ones are at maxconn: the caller then queues). `exclude` skips the server
   * that just failed (redispatch).
   */
  pick(key: BalanceKey, exclude?: Server): Server | undefined;
  /** A request/session on `server` started / ended (leastconn and first need it). */
  taken(server: Server): void;
  released(server: Server): void;
}
