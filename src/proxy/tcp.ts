// One client connection in `mode tcp`: pick a server, connect (with retries/redispatch), then
// relay both ways with back-pressure and half-close; handlers are set once per session.

import net from 'node:net';
import type { Server, Killable } from '../core/server.js';
import { hasUsableServer, releaseServer, waitForServer, type QueueTicket } from '../core/queue.js';
import { afterConnectFailure, countRetryAttempt, giveBackServer, retryDelay, takeServer, type BackendCtx, type FrontendCtx } from './context.js';
import type { Expirable } from './clock.js';
import { clientAddress, type SessionEnv } from './session.js';
import { tcpLogLine } from '../log/access.js';
import { ReadLoop, send } from './reads.js';
import { dialServer } from './upstream.js';

export class TcpSession implements Expirable, Killable {
  deadline = 0;
  serverSlot = -1;
  private server: Server | undefined;
  private up: net.Socket | undefined;
  private ticket: QueueTicket | undefined;
  private attempts = 0;
  private connected = false;
  private closed = false;
  private clientEnded = false;
  private serverEnded = false;
  private readonly src: string;
  private readonly srcPort: number;
  private readonly tAccept = Date.now();
  private tAssigned = 0;
  private tConnected = 0;
  private termination = '--';
  /** One backend session per client connection, whatever server a redispatch lands on. */
  private beSession = false;
  /** Between a failed connect and the retry on the same server (HAProxy's turn-around wait). */
  private waitingRetry = false;

  constructor(
    private readonly sock: net.Socket,
    private readonly reads: ReadLoop,
    private readonly fe: FrontendCtx,
    private readonly be: BackendCtx | undefined,
    private readonly env: SessionEnv,
  ) {
    const a = clientAddress(sock);
    this.src = a.ip;
    this.srcPort = a.port;
    sock.on('error', noop);
    sock.on('close', (hadError) => {
      // A clean close leaves the server side to flush what it still holds (half-close relayed):
      // its own close ends the session. A reset ends it at once.
      if (!hadError && this.connected && this.up && !this.up.destroyed && !this.up.writableFinished) return;
      this.end();
    });
    sock.on('end', () => {
      this.clientEnded = true;
      if (!this.connected) this.end('CD');
    });
    sock.pause();
    env.clock.add(this);
    if (be) this.assign();
    else this.end('SC');
  }

  kill(): void {
    this.termination = 'KD';
    this.sock.destroy();
    this.up?.destroy();
  }

  onExpire(): void {
    if (this.waitingRetry) {
      this.waitingRetry = false;
      countRetryAttempt(this.server!, this.env.clock.now);
      return this.connect();
    }
    if (!this.connected && this.up) return this.connectFailed();
    this.end(this.clientEnded || this.serverEnded ? '--' : 'cD');
  }

  /** Both sides idle: the shorter of timeout client and timeout server ends it, as in HAProxy. */
  private idleTimeout(): number {
    const c = this.fe.clientTimeout;
    const s = this.be!.serverTimeout;
    return this.be!.tunnelTimeout || (c && s ? Math.min(c, s) : c || s);
  }

  private assign(exclude?: Server): void {
    const be = this.be!;
    const lb = be.proxy.balancer;
    const s = lb?.pick({ src: this.src }, exclude) ?? be.proxy.dispatch;
    if (s) {
      lb!.taken(s);
      return this.use(s);
    }
    if (lb && hasUsableServer(be.proxy)) {
      this.ticket = waitForServer(be.proxy, { src: this.src }, be.queueTimeout, (srv) => {
        this.ticket = undefined;
        if (this.closed) {
          if (srv) releaseServer(srv);
          return;
        }
        if (srv) this.use(srv);
        else this.end('sQ');
      });
      return;
    }
    be.proxy.beCounters.econ++;
    this.end('SC');
  }

  private use(s: Server): void {
    const now = this.env.clock.now;
    this.server = s;
    this.tAssigned = Date.now();
    this.beSession = takeServer(this.be!, s, this, this.beSession, now);
    this.connect();
  }

  private connect(): void {
    const s = this.server!;
    this.attempts++;
    s.counters.connect++;
    const upReads = new ReadLoop(noop);
    const up = (this.up = dialServer(s.address, upReads));
    this.deadline = this.env.clock.after(this.be!.connectTimeout);
    up.on('error', noop);
    up.once('connect', () => {
      if (up !== this.up) return;
      this.connected = true;
      this.tConnected = Date.now();
      this.deadline = this.env.clock.after(this.idleTimeout());
      up.setNoDelay(true);
      this.relay(this.sock, this.reads, up);
      this.relay(up, upReads, this.sock);
      this.sock.resume();
      // Activity pushes the idle deadline: sampled by the sweep instead of per chunk.
      this.lastBytes = 0;
    });
    up.on('end', () => {
      if (up === this.up) this.serverEnded = true;
    });
    up.on('close', (hadError) => {
      if (up !== this.up || this.closed) return;
      if (!this.connected) return this.connectFailed();
      // Likewise the client side may still hold the end of the server's data: its close ends the session.
      if (!hadError && !this.sock.destroyed && !this.sock.writableFinished) return;
      this.end();
    });
  }

  /** Bytes from `from` to `to` with back-pressure, and its FIN after them (half-close). */
  private relay(from: net.Socket, reads: ReadLoop, to: net.Socket): void {
    reads.onChunk = (d: Buffer) => {
      if (!send(to, d, reads)) from.pause();
    };
    to.on('drain', () => from.resume());
    from.on('end', () => to.end());
  }

  private lastBytes = 0;

  /** Called by the sweep through onExpire: extend the deadline when bytes moved since. */
  private moved(): boolean {
    const n = this.sock.bytesRead + this.sock.bytesWritten;
    if (n === this.lastBytes) return false;
    this.lastBytes = n;
    return true;
  }

  private connectFailed(): void {
    const be = this.be!;
    const s = this.server!;
    const up = this.up;
    this.up = undefined;
    up?.destroy();
    const next = afterConnectFailure(be, s, this.attempts);
    if (next === 'redispatch') {
      this.release(true);
      return this.assign(s);
    }
    if (next === 'retry') {
      this.waitingRetry = true;
      this.deadline = this.env.clock.after(retryDelay(be));
      return;
    }
    this.end('SC');
  }

  private release(redispatching = false): void {
    const s = this.server;
    this.server = undefined;
    this.beSession = giveBackServer(this.be, s, this, this.beSession, redispatching);
  }

  private end(termination?: string): void {
    if (this.closed) return;
    if (termination === 'cD' && this.connected && this.moved()) {
      this.deadline = this.env.clock.after(this.idleTimeout());
      return;
    }
    this.closed = true;
    if (termination) this.termination = termination;
    this.env.clock.remove(this);
    this.ticket?.cancel();
    this.sock.destroy();
    this.up?.destroy();
    const fe = this.fe;
    const bin = this.sock.bytesRead;
    const bout = this.sock.bytesWritten;
    fe.proxy.feCounters.bin += bin;
    fe.proxy.feCounters.bout += bout;
    const s = this.server;
    const now = Date.now();
    const tw = this.tAssigned ? this.tAssigned - this.tAccept : -1;
    const tc = this.tConnected ? this.tConnected - this.tAssigned : -1;
    if (this.be) {
      const bc = this.be.proxy.beCounters;
      bc.bin += bin;
      bc.bout += bout;
      bc.recordTimes(tw, tc, -1, now - this.tAccept);
    }
    if (s) {
      s.counters.bin += bin;
      s.counters.bout += bout;
      s.counters.recordTimes(tw, tc, -1, now - this.tAccept);
    }
    if (fe.logFormat) {
      this.env.log.access(
        fe.proxy.name,
        tcpLogLine({
          src: this.src, srcPort: this.srcPort, acceptMs: this.tAccept, frontend: fe.proxy.name,
          backend: this.be ? this.be.proxy.name : fe.proxy.name, server: s ? s.name : '<NOSRV>',
          tr: -1, tw, tc, tresp: -1, ta: now - this.tAccept, status: 0, bytes: bout, termination: this.termination,
          actconn: fe.runtime.process.currConns, feconn: fe.proxy.feCounters.scur, beconn: this.be ? this.be.proxy.beCounters.scur : 0,
          srvconn: s ? s.counters.scur : 0, retries: Math.max(this.attempts - 1, 0), srvQueue: 0, beQueue: 0, requestLine: '',
        }),
      );
    }
    this.release();
    this.env.sessionEnded(fe);
  }
}


function noop(): void {}
