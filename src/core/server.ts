// A server at run time: its config, its state (see server-state-types.ts) and its counters.
// State changes go through server-state.ts (pure) driven by control/ and checks/ only.

import type { Address, ServerConfig } from '../config/model.js';
import { Counters } from './counters.js';
import type { ServerState } from './server-state-types.js';
import type { Proxy } from './proxy.js';

/** Anything the data plane can abort when an operator kills a server's sessions. */
export interface Killable {
  kill(reason: string): void;
  /** Where it sits in its server's SessionList; -1 when on none. */
  serverSlot: number;
}

/**
 * A server's live sessions: an array with each session knowing its index, so adding and
 * removing (twice per request) allocate nothing. A Set's hash table is rebuilt as it churns,
 * and those tables were most of what the data plane promoted to the old generation.
 */
export class SessionList implements Iterable<Killable> {
  private readonly items: Killable[] = [];

  get size(): number {
    return this.items.length;
  }

  add(s: Killable): void {
    s.serverSlot = this.items.length;
    this.items.push(s);
  }

  delete(s: Killable): void {
    const i = s.serverSlot;
    if (i < 0 || this.items[i] !== s) return;
    const last = this.items.pop()!;
    if (last !== s) {
      this.items[i] = last;
      last.serverSlot = i;
    }
    s.serverSlot = -1;
  }

  [Symbol.iterator](): Iterator<Killable> {
    return this.items[Symbol.iterator]();
  }
}

export class Server {
  readonly name: string;
  readonly id: number;
  readonly counters = new Counters();
  /** Live sessions (streams) on this server, for `shutdown sessions` and on-marked-down. */
  readonly sessions = new SessionList();
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
