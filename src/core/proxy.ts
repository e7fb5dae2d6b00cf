// A proxy at run time: a frontend, a backend, or both (listen). Frontend and backend
// counters are kept apart because the stats show them on separate rows.

import type { ProxyConfig } from '../config/model.js';
import { Counters } from './counters.js';
import type { Server } from './server.js';
import type { Balancer } from './balance/types.js';

export type FrontendStatus = 'OPEN' | 'PAUSED' | 'STOP';

export class Proxy {
  readonly name: string;
  readonly id: number;
  readonly feCounters = new Counters();
  readonly beCounters = new Counters();
  readonly servers: Server[] = [];
  readonly serversByName = new Map<string, Server>();
  /** Frontend session limit (slim), changed by `set maxconn frontend`. */
  maxconn: number;
  frontendStatus: FrontendStatus;
  /** Backend-level state history for the BACKEND row. */
  lastChangeMs: number;
  chkdown = 0;
  downtimeMs = 0;
  downSinceMs?: number;
  /** Set by buildRuntime for proxies with backend capability. */
  balancer?: Balancer;
  /** `dispatch ADDR:PORT` on a backend without servers: where every session goes (not in stats). */
  dispatch?: Server;

  constructor(readonly config: ProxyConfig, nowMs: number) {
    this.name = config.name;
    this.id = config.id;
    this.maxconn = config.maxconn;
    this.frontendStatus = config.disabled ? 'STOP' : 'OPEN';
    this.lastChangeMs = nowMs;
  }

  addServer(server: Server): void {
    this.servers.push(server);
    this.serversByName.set(server.name, server);
  }
}
