// A connection to a server. Its socket listeners are attached once and forward to whichever
// session currently owns it, so a pooled connection costs no new closures per request.

import net from 'node:net';
import type { Server } from '../core/server.js';
import type { Address } from '../config/model.js';
import { dial, ReadLoop } from './reads.js';

export interface UpstreamOwner {
  onServerConnect(up: Upstream): void;
  onServerData(up: Upstream, chunk: Buffer): void;
  onServerEnd(up: Upstream): void;
  onServerClose(up: Upstream, err: Error | undefined): void;
  onServerDrain(up: Upstream): void;
}

export class Upstream {
  readonly sock: net.Socket;
  readonly reads: ReadLoop;
  owner: UpstreamOwner | null;
  connected = false;
  /** Set while it sits in a pool; the pool removes it when it closes there. */
  pool: Upstream[] | null = null;
  private lastError: Error | undefined;

  constructor(readonly server: Server, owner: UpstreamOwner) {
    this.owner = owner;
    this.reads = new ReadLoop(this.handleData);
    this.sock = dialServer(server.address, this.reads);
    this.sock.setNoDelay(true);
    this.sock.on('connect', this.handleConnect);
    this.sock.on('end', this.handleEnd);
    this.sock.on('error', this.handleError);
    this.sock.on('close', this.handleClose);
    this.sock.on('drain', this.handleDrain);
  }

  private handleConnect = (): void => {
    this.connected = true;
    this.owner?.onServerConnect(this);
  };
  private readonly handleData = (chunk: Buffer): void => {
    if (this.owner) this.owner.onServerData(this, chunk);
    else this.sock.destroy();
  };
  private handleEnd = (): void => {
    if (this.owner) this.owner.onServerEnd(this);
    else this.sock.destroy();
  };
  private handleError = (err: Error): void => {
    this.lastError = err;
  };
  private handleClose = (): void => {
    if (this.pool) {
      const i = this.pool.indexOf(this);
      if (i >= 0) this.pool.splice(i, 1);
      this.pool = null;
    }
    const o = this.owner;
    this.owner = null;
    o?.onServerClose(this, this.lastError);
  };
  private handleDrain = (): void => {
    this.owner?.onServerDrain(this);
  };

  get alive(): boolean {
    return !this.sock.destroyed && this.sock.readyState === 'open';
  }
}

/** A connection to a server's address, reads going through `reads`. */
export function dialServer(a: Address, reads: ReadLoop): net.Socket {
  if (a.kind === 'unix') return dial({ path: a.path, allowHalfOpen: true }, reads);
  if (a.kind === 'fd') throw new Error('fd@ addresses are for binds only');
  return dial({ host: a.host || (a.family === 6 ? '::1' : '127.0.0.1'), port: a.port, allowHalfOpen: true }, reads);
}

/** Take an idle connection to `server` from the pool, or undefined. */
export function takeIdle(pools: Map<Server, Upstream[]>, server: Server): Upstream | undefined {
  const list = pools.get(server);
  while (list && list.length > 0) {
    const up = list.pop()!;
    up.pool = null;
    if (up.alive) return up;
    up.sock.destroy();
  }
  return undefined;
}

/** Idle connections kept per server; past it the longest idle one is closed. */
const MAX_IDLE_PER_SERVER = 256;

export function putIdle(pools: Map<Server, Upstream[]>, up: Upstream): void {
  let list = pools.get(up.server);
  if (!list) pools.set(up.server, (list = []));
  up.owner = null;
  up.pool = list;
  list.push(up);
  // Requests that may not reuse (a first request with a body) leave connections nobody takes.
  if (list.length > MAX_IDLE_PER_SERVER) {
    const oldest = list.shift()!;
    oldest.pool = null;
    oldest.sock.destroy();
  }
}
