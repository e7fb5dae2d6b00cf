// A server at run time: its config, its state (see server-state-types.ts) and its counters.
// State changes go through server-state.ts (pure) driven by control/ and checks/ only.

import type { Address, ServerConfig } from '../config/model.js';
import { Counters } from './counters.js';
import type { ServerState } from './server-state-types.js';
import type { Proxy } from './proxy.js';

/** Anything the data plane can abort when an operator kills a server's sessions. */
export interface Killable {
  kill(reason: string): void;
}

export class Server {
  readonly name: string;
  readonly id: number;
  readonly counters = new Counters();
  /** Live sessions (streams) on this server, for `shutdown sessions` and on-marked-down. */
  readonly sessions = new Set<Killable>();
  address: Address;
  maxconn: number;
  maxqueue: number;
  /** Health-check port override (`port`, `set server ... check-port`). */
  checkPort?: number;
  state: ServerState;
  /** Requests currently being served (equals counters.scur; kept apart for leastconn speed). */
  served = 0;
  /** The server this one copies its state from (`track`), and those copying from it. */
  tracked?: Server;
  readonly trackers: Server[] = [];
  /** Set by the check scheduler: run this server's checks soon (after READY, `enable health`). */
  wakeChecks?: () => void;

  constructor(
    readonly config: ServerConfig,
    readonly proxy: Proxy,
    state: ServerState,
  ) {
    this.name = config.name;
    this.id = config.id;
    this.address = config.address;
    this.maxconn = config.maxconn;
    this.maxqueue = config.maxqueue;
    this.checkPort = config.checkPort;
    this.state = state;
  }
}
