// One client connection in `mode http`: reads request heads with the strict parser, routes,
// picks a server, forwards head and body with back-pressure, relays the response, and loops
// for keep-alive. Handlers are bound once per connection; nothing allocates per chunk.

import type net from 'node:net';
import type { Server, Killable } from '../core/server.js';
import type { RequestFacts } from '../acl/types.js';
import type { Applet } from './applet.js';
import { hasUsableServer, releaseServer, waitForServer, type QueueTicket } from '../core/queue.js';
import { dropHeaders, findHeadEnd, headerValue, newHead, oversizedRequestStatus, parseHead, type HttpHead } from './http-head.js';
import { ChunkedScanner } from './chunked.js';
import { errorBodyLength, errorResponse } from './errors.js';
import { putIdle, takeIdle, Upstream, type UpstreamOwner } from './upstream.js';
import { afterConnectFailure, countRetryAttempt, giveBackServer, retryDelay, takeServer, type BackendCtx, type CompiledRule, type FrontendCtx } from './context.js';
import type { Clock, Expirable } from './clock.js';
import { httpLogLine } from '../log/access.js';
import { clientAddress, type SessionEnv } from './session.js';
import { send, type ReadLoop } from './reads.js';
import { mustDrain, write } from './direct-write.js';

const enum St {
  Head,
  Applet,
  Queue,
  Connect,
  Forward,
  Tunnel,
  Closed,
}

const LINGER_MS = 5000;
const READ_AHEAD = 16384;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export class HttpSession implements UpstreamOwner, Expirable, Killable {
  deadline = 0;
  serverSlot = -1;
  private st = St.Head;
  private buf: Buffer = Buffer.allocUnsafe(0);
  private bufLen = 0;
  private readonly req: HttpHead = newHead();
  private readonly resp: HttpHead = newHead();
  private readonly src: string;
  private readonly srcPort: number;
  private requests = 0;
  // Current request.
  private be: BackendCtx | undefined;
  private server: Server | undefined;
  private up: Upstream | undefined;
  private ticket: QueueTicket | undefined;
  private reqHeadText = '';
  private reqBodyLeft = 0;
  private readonly reqChunks = new ChunkedScanner();
  private reqChunked = false;
  private reqDone = false;
  private clientKeepAlive = true;
  private attempts = 0;
  /** The backend counts this request as a session (from the first server assigned until it ends). */
  private beSession = false;
  private reused = false;
  private gotResponseBytes = false;
  private respHeadDone = false;
  private respBuf: Buffer | null = null;
  private respBodyLeft = 0;
  private respChunked = false;
  private readonly respChunks = new ChunkedScanner();
  private respUntilClose = false;
  private serverKeepAlive = false;
  private status = 0;
  private bytesOut = 0;
  private paused = false;
  private upPausedByClient = false;
  // Timings (ms).
  private tAccept: number;
  private tReqStart = 0;
  private tHead = 0;
  private tAssigned = 0;
  private tConnected = 0;
  private tResp = 0;
  private clientBytesRead = 0;
  private clientBytesWritten = 0;

  constructor(
    private readonly sock: net.Socket,
    private readonly reads: ReadLoop,
    private readonly fe: FrontendCtx,
    private readonly env: SessionEnv,
  ) {
    const a = clientAddress(sock);
    this.src = a.ip;
    this.srcPort = a.port;
    this.tAccept = this.tReqStart = Date.now();
    reads.onChunk = this.onClientData;
    sock.on('end', this.onClientEnd);
    sock.on('error', noop);
    sock.on('close', this.onClientClose);
    sock.on('drain', this.onClientDrain);
    env.clock.add(this);
    this.deadline = env.clock.after(fe.httpRequestTimeout);
  }

  private get clock(): Clock {
    return this.env.clock;
  }

  kill(_reason: string): void {
    this.sock.destroy();
    this.up?.sock.destroy();
  }

  onExpire(): void {
    switch (this.st) {
      case St.Head:
        if (this.awaitingDrain || (this.requests > 0 && this.bufLen === 0)) return this.close();
        this.fe.proxy.feCounters.ereq++;
        return this.fail(408, 'cR');
      case St.Connect:
        if (this.up) return this.connectFailed();
        // The turn-around wait before a retry is over.
        countRetryAttempt(this.server!, this.clock.now);
        return this.connect();
      case St.Forward:
        this.countFailedResponse();
        if (!this.respHeadDone) return this.fail(504, 'sH');
        return this.abort('sD');
      case St.Tunnel:
        return this.abort('--');
      default:
        this.deadline = 0;
    }
  }

  // ---- client side -------------------------------------------------------------------

  private onClientData = (chunk: Buffer): void => {
    switch (this.st) {
      case St.Head:
        if (this.bufLen === 0) return this.headFromChunk(chunk);
        this.append(chunk);
        return this.tryHead();
      case St.Applet:
      case St.Queue:
      case St.Connect:
        this.append(chunk);
        if (this.st === St.Applet) this.tryApplet();
        else if (this.bufLen > this.fe.headLimit + 65536) this.pauseClient();
        return;
      case St.Forward:
        if (this.reqDone) {
          this.holdPipelined(chunk);
          return;
        }
        this.forwardRequestBody(chunk, 0);
        return;
      case St.Tunnel:
        this.deadline = this.clock.after(this.tunnelTimeout());
        if (!send(this.up!.sock, chunk, this.reads)) this.pauseClient();
        return;
    }
  };

  private onClientEnd = (): void => {
    if (this.st === St.Tunnel) {
      this.up?.sock.end();
      return;
    }
    if (this.st === St.Forward && !this.reqDone) return this.clientAborted();
    if (this.st === St.Head && this.bufLen > 0) {
      this.fe.proxy.feCounters.ereq++;
      return this.fail(400, 'CR');
    }
    // A client that half-closes after its request still gets its response (HAProxy does too).
    if (this.st === St.Head || this.st === St.Closed) this.close();
    else {
      this.clientKeepAlive = false;
      this.clientEnded = true;
    }
  };

  /** The client closed its side before its request body was complete: nothing more can come. */
  private clientAborted(): void {
    this.fe.proxy.feCounters.cliAbrt++;
    this.be!.proxy.beCounters.cliAbrt++;
    this.server!.counters.cliAbrt++;
    this.abort('CD');
  }

  private clientEnded = false;

  private onClientClose = (): void => {
    if (this.st !== St.Closed) this.cleanup();
  };

  private onClientDrain = (): void => {
    if (this.upPausedByClient) {
      this.upPausedByClient = false;
      this.up?.sock.resume();
    }
    if (this.awaitingDrain) {
      this.awaitingDrain = false;
      if (this.st === St.Head) this.nextRequest();
    }
  };

  private awaitingDrain = false;

  private pauseClient(): void {
    if (!this.paused) {
      this.paused = true;
      this.sock.pause();
    }
  }

  private resumeClient(): void {
    if (this.paused) {
      this.paused = false;
      this.sock.resume();
    }
  }

  private append(chunk: Buffer): void {
    const need = this.bufLen + chunk.length;
    if (need > this.buf.length) {
      const nb = Buffer.allocUnsafe(Math.max(need, Math.min(this.buf.length * 2 || 4096, this.fe.headLimit + 4096)));
      this.buf.copy(nb, 0, 0, this.bufLen);
      this.buf = nb;
    }
    chunk.copy(this.buf, this.bufLen);
    this.bufLen = need;
  }

  private consume(n: number): void {
    if (n >= this.bufLen) this.bufLen = 0;
    else {
      this.buf.copy(this.buf, 0, n, this.bufLen);
      this.bufLen -= n;
    }
  }

  private tryHead(): void {
    if (this.bufLen === 0) return;
    if (this.requests > 0 && this.tReqStart === 0) this.tReqStart = Date.now();
    const end = findHeadEnd(this.buf, 0, this.bufLen);
    const limit = this.fe.headLimit;
    if (end < 0 || end > limit) {
      if (this.bufLen >= limit || end > limit) {
        this.fe.proxy.feCounters.ereq++;
        this.fail(oversizedRequestStatus(this.buf, Math.min(this.bufLen, limit)), 'PR');
      }
      return;
    }
    if (!this.parseRequestHead(this.buf, end)) return;
    this.consume(end);
    this.startRequest();
  }

  /**
   * A head that arrived whole in one read with nothing buffered before it (the usual case) is
   * parsed where it lies; only bytes after it (a body, a pipelined request) are buffered. Any
   * other case takes the buffered path.
   */
  private headFromChunk(chunk: Buffer): void {
    const end = findHeadEnd(chunk, 0, chunk.length);
    if (end < 0 || end > this.fe.headLimit) {
      this.append(chunk);
      return this.tryHead();
    }
    if (this.requests > 0 && this.tReqStart === 0) this.tReqStart = Date.now();
    if (!this.parseRequestHead(chunk, end)) return;
    if (end < chunk.length) this.append(chunk.subarray(end));
    this.startRequest();
  }

  /** Parse the request head `src[0..end)` into this.req; a fault is answered (400...) and false returned. */
  private parseRequestHead(src: Buffer, end: number): boolean {
    const bad = parseHead(src.toString('latin1', 0, end), false, this.req, this.fe.maxHeaders);
    if (bad === 0) return true;
    this.fe.proxy.feCounters.ereq++;
    this.fail(bad, 'PR');
    return false;
  }

  // ---- request ------------------------------------------------------------------------

  private startRequest(): void {
    const fe = this.fe;
    const req = this.req;
    const now = Date.now();
    this.tHead = now;
    if (this.tReqStart === 0) this.tReqStart = now;
    this.requests++;
    const fc = fe.proxy.feCounters;
    fc.reqTot++;
    fc.reqRate.hit(now);
    fe.runtime.process.cumReq++;
    this.status = 0;
    this.bytesOut = 0;
    this.attempts = 0;
    this.be = undefined;
    this.server = undefined;
    this.respHeadDone = false;
    this.gotResponseBytes = false;
    this.respBuf = null;
    this.clientKeepAlive = !fe.httpClose && !req.lengthDropped && (req.version === 11 ? !req.connClose : req.connKeepAlive);

    this.reqChunked = req.chunked;
    this.reqBodyLeft = req.chunked ? 0 : Math.max(req.contentLength, 0);
    this.reqChunks.reset();
    this.reqDone = !req.chunked && this.reqBodyLeft === 0;

    const facts = fe.routes.length > 0 || fe.httpRequest.length > 0 ? this.facts() : undefined;
    const monitorUri = fe.proxy.config.monitorUri;
    if (monitorUri !== undefined && isMonitorUri(monitorUri, req.target)) return this.sendSimple(200, MONITOR_HEADERS, MONITOR_BODY);
    if (fe.stats || fe.proxy.config.stats) {
      const applet = this.env.applets.route(fe.proxy, req.method, req.target);
      if (applet) return this.startApplet(applet);
    }
    if (fe.httpRequest.length > 0 && this.applyRules(fe.httpRequest, req, facts!, true)) return;
    let be = fe.defaultBackend;
    for (const r of fe.routes) {
      if (r.when(facts!)) {
        be = r.backend;
        break;
      }
    }
    if (!be) return this.fail(503, 'SC');
    this.be = be;
    this.reqHeadText = this.buildRequestHead(be);
    this.assignServer();
  }

  private facts(): RequestFacts {
    const req = this.req;
    const q = req.target.indexOf('?');
    return {
      src: this.src,
      srcPort: this.srcPort,
      method: req.method,
      path: q >= 0 ? req.target.slice(0, q) : req.target,
      url: req.target,
      httpVersion: req.version === 11 ? '1.1' : '1.0',
      header: (name) => headerValue(req, name),
      dst: this.sock.localAddress,
      dstPort: this.sock.localPort,
    };
  }

  /** Runs http-request/http-response rules; true when the request was answered here (deny). */
  private applyRules(rules: CompiledRule[], head: HttpHead, facts: RequestFacts, isRequest: boolean): boolean {
    for (const r of rules) {
      if (r.cond && !r.cond(facts)) continue;
      const a = r.rule;
      switch (a.action) {
        case 'allow':
          return false;
        case 'deny':
          if (isRequest) {
            this.fe.proxy.feCounters.dreq++;
            this.fail(a.status || 403, 'PR');
          } else {
            this.fe.proxy.feCounters.dresp++;
            if (this.be) this.be.proxy.beCounters.dresp++;
          }
          return true;
        case 'set-header':
          removeHeader(head, a.name);
          addHeader(head, a.name, a.value);
          break;
        case 'add-header':
          addHeader(head, a.name, a.value);
          break;
        case 'del-header':
          removeHeader(head, a.name);
          break;
        case 'use-service': {
          // The service (e.g. prometheus-exporter) is an applet wired in by process/.
          if (!isRequest) break;
          const applet = this.env.applets.route(this.fe.proxy, head.method, head.target);
          if (!applet) break;
          this.startApplet(applet);
          return true;
        }
        case 'redirect': {
          if (!isRequest) break;
          const loc = a.type === 'prefix' ? a.target.replace(/\/$/, '') + this.req.target : a.target;
          this.sendSimple(a.code || 302, `location: ${loc}\r\ncontent-length: 0\r\n`, '');
          return true;
        }
        default:
          break;
      }
    }
    return false;
  }

  private buildRequestHead(be: BackendCtx): string {
    const req = this.req;
    const ff = this.fe.forwardfor ?? be.forwardfor;
    let s = `${req.method} ${req.target} HTTP/1.${req.version === 11 ? 1 : 0}\r\n`;
    const { names, values } = req;
    for (let i = 0; i < names.length; i++) {
      const l = names[i]!;
      if (l === 'connection' || l === 'keep-alive' || l === 'proxy-connection') continue;
      if (l === 'content-length' && req.lengthDropped) continue;
      if (l === 'te') {
        // Hop-by-hop: only `trailers` may travel on (as HAProxy, a weighted one is dropped too).
        if (values[i]!.split(',').some((v) => v.trim().toLowerCase() === 'trailers')) s += 'te: trailers\r\n';
        continue;
      }
      s += l + ': ' + values[i] + '\r\n';
    }
    if (ff && !(ff.except && ff.except(this.src)) && !(ff.ifNone && names.indexOf(ff.header) >= 0)) {
      s += `${ff.header}: ${this.src}\r\n`;
    }
    if (req.upgrade) s += 'connection: upgrade\r\n';
    else if (be.serverClose || this.fe.serverClose || this.fe.httpClose || !be.reuse) s += 'connection: close\r\n';
    else if (req.version === 10) s += 'connection: keep-alive\r\n';
    return s + '\r\n';
  }

  // ---- server selection and connection ------------------------------------------------

  private assignServer(exclude?: Server): void {
    const be = this.be!;
    const lb = be.proxy.balancer;
    const server = lb?.pick({ src: this.src, uri: this.req.target, header: (n) => headerValue(this.req, n) }, exclude) ?? be.proxy.dispatch;
    if (server) {
      lb!.taken(server);
      return this.useServer(server);
    }
    if (lb && hasUsableServer(be.proxy)) {
      this.st = St.Queue;
      this.deadline = 0;
      this.ticket = waitForServer(be.proxy, { src: this.src, uri: this.req.target }, be.queueTimeout, (s) => {
        this.ticket = undefined;
        if (this.st !== St.Queue) {
          if (s) releaseServer(s);
          return;
        }
        if (s) this.useServer(s);
        else this.fail(503, 'sQ');
      });
      return;
    }
    be.proxy.beCounters.econ++;
    this.fail(503, 'SC');
  }

  private useServer(server: Server): void {
    const be = this.be!;
    const now = this.clock.now;
    this.tAssigned = Date.now();
    this.server = server;
    this.beSession = takeServer(be, server, this, this.beSession, now);
    this.connect();
  }

  private connect(): void {
    const be = this.be!;
    const server = this.server!;
    this.st = St.Connect;
    this.attempts++;
    // `http-reuse safe` (the default): a client connection's first request must not fail because
    // a server closed an idle connection under it. It takes one only when it can be replayed
    // (idempotent, no body: see onServerClose); others open their own, as HAProxy's do.
    const firstOk = this.requests > 1 || be.reuseFirst || this.replayable();
    const idle = be.reuse && !this.req.upgrade && firstOk ? takeIdle(be.pools, server) : undefined;
    if (idle) {
      this.reused = true;
      idle.owner = this;
      this.up = idle;
      server.counters.reuse++;
      this.onServerConnect(idle);
      return;
    }
    this.reused = false;
    server.counters.connect++;
    this.deadline = this.clock.after(be.connectTimeout);
    this.up = new Upstream(server, this);
  }

  onServerConnect(up: Upstream): void {
    if (up !== this.up) return;
    this.tConnected = Date.now();
    this.st = St.Forward;
    this.deadline = this.clock.after(this.be!.serverTimeout);
    if (this.bufLen > 0 && !this.reqDone) {
      const data = Buffer.from(this.buf.subarray(0, this.bufLen));
      this.bufLen = 0;
      this.forwardRequestBody(data, 0, this.reqHeadText);
    } else write(up.sock, this.reqHeadText);
    if (this.req.expectContinue || !this.reqDone) this.resumeClient();
    if (this.reqDone && this.bufLen > READ_AHEAD) this.pauseClient();
    // Half-closed while queued or connecting with the body unfinished: abort now, not after timeout server.
    if (this.clientEnded && !this.reqDone && this.st === St.Forward) this.clientAborted();
  }

  private forwardRequestBody(chunk: Buffer, from: number, head?: string): void {
    let end: number;
    if (this.reqChunked) {
      end = this.reqChunks.scan(chunk, from, chunk.length);
      if (end < 0) {
        // As HAProxy: a bad chunk gets a 400 unless a response has already begun.
        this.fe.proxy.feCounters.ereq++;
        return this.fail(400, 'PR');
      }
      if (this.reqChunks.done) this.reqDone = true;
    } else {
      const n = Math.min(this.reqBodyLeft, chunk.length - from);
      this.reqBodyLeft -= n;
      end = from + n;
      if (this.reqBodyLeft === 0) this.reqDone = true;
    }
    const up = this.up!;
    const ok = head !== undefined ? writeHeadAndBody(up.sock, head, chunk, from, end, this.reads) : end > from ? send(up.sock, from === 0 && end === chunk.length ? chunk : chunk.subarray(from, end), this.reads) : true;
    if (!ok && !this.reqDone) this.pauseClient();
    // As HAProxy 2.6: until the response starts, each body byte passed on re-arms timeout
    // server, and that alone ends a stalled upload (504), whatever timeout client says.
    if (!this.respHeadDone) this.deadline = this.clock.after(this.be!.serverTimeout);
    if (end < chunk.length) this.holdPipelined(chunk.subarray(end));
  }

  /**
   * Bytes of a pipelined next request wait in our buffer. Reading goes on up to READ_AHEAD,
   * so a client that closes after its requests is seen doing so (as HAProxy sees it: the
   * response in progress is its last, the rest is not parsed).
   */
  private holdPipelined(chunk: Buffer): void {
    this.append(chunk);
    if (this.bufLen > READ_AHEAD) this.pauseClient();
  }

  onServerDrain(): void {
    if (!this.reqDone || this.st === St.Tunnel) this.resumeClient();
  }

  private connectFailed(): void {
    const be = this.be!;
    const server = this.server!;
    const up = this.up;
    this.up = undefined;
    if (up) {
      up.owner = null;
      up.sock.destroy();
    }
    const next = afterConnectFailure(be, server, this.attempts);
    if (next === 'redispatch') {
      this.releaseCurrentServer(true);
      return this.assignServer(server);
    }
    if (next === 'retry') {
      this.deadline = this.clock.after(retryDelay(be));
      return;
    }
    this.fail(503, 'SC');
  }

  // ---- response -----------------------------------------------------------------------

  onServerData(up: Upstream, chunk: Buffer): void {
    if (up !== this.up) return;
    this.gotResponseBytes = true;
    if (this.st === St.Tunnel) {
      this.deadline = this.clock.after(this.tunnelTimeout());
      if (!send(this.sock, chunk, up.reads)) this.pauseUpstream();
      return;
    }
    if (!this.respHeadDone) return this.responseHead(chunk);
    this.deadline = this.clock.after(this.be!.serverTimeout);
    this.forwardResponseBody(chunk, 0);
  }

  private responseHead(chunk: Buffer): void {
    let data = chunk;
    if (this.respBuf) data = this.respBuf = Buffer.concat([this.respBuf, chunk]);
    const end = findHeadEnd(data, 0, data.length);
    if (end < 0) {
      if (data.length >= this.fe.headLimit) return this.badResponse();
      if (!this.respBuf) this.respBuf = Buffer.from(chunk);
      return;
    }
    this.respBuf = null;
    const resp = this.resp;
    if (parseHead(data.toString("latin1", 0, end), true, resp, this.fe.maxHeaders) !== 0) return this.badResponse();
    const status = resp.status;
    if (status < 200 && status !== 101) {
      // Interim response (100 Continue): relay it rebuilt (a bare LF the parser tolerates must not
      // travel on), then wait for the final one.
      let interim = `HTTP/1.1 ${status} ${resp.reason}\r\n`;
      for (let i = 0; i < resp.names.length; i++) interim += resp.names[i] + ': ' + resp.values[i] + '\r\n';
      this.sock.write(interim + '\r\n', 'latin1');
      if (end < data.length) this.responseHead(data.subarray(end));
      return;
    }
    this.tResp = Date.now();
    this.respHeadDone = true;
    this.status = status;
    const be = this.be!;
    const noBody = this.req.method === 'HEAD' || status === 204 || status === 304;
    this.respChunked = !noBody && resp.chunked;
    this.respChunks.reset();
    this.respBodyLeft = noBody || resp.chunked ? 0 : Math.max(resp.contentLength, 0);
    this.respUntilClose = !noBody && !resp.chunked && resp.contentLength < 0 && status !== 101;
    this.serverKeepAlive = !this.respUntilClose && status !== 101 && (resp.version === 11 ? !resp.connClose : resp.connKeepAlive);
    // A chunked HTTP/1.0 response (not allowed by RFC 9112) ends the connection after it.
    if (this.respUntilClose || (resp.version === 10 && resp.chunked)) this.clientKeepAlive = false;
    const feRules = this.fe.httpResponse;
    if (
      (be.httpResponse.length > 0 || feRules.length > 0) &&
      (this.applyRules(be.httpResponse, resp, this.facts(), false) || this.applyRules(feRules, resp, this.facts(), false))
    ) {
      this.countFailedResponse();
      return this.fail(502, 'PH');
    }
    this.countStatus(status);
    const tunnel = status === 101 && this.req.upgrade;
    const head = this.buildResponseHead(tunnel);
    // Nothing reads either head's headers from here on. Letting go of them now means a young
    // collection copies only the heads of requests in flight, not every connection's last ones.
    dropHeaders(resp);
    dropHeaders(this.req);
    this.reqHeadText = '';
    this.bytesOut = 0;
    const cs = this.sock;
    if (!tunnel) {
      if (end < data.length) this.forwardResponseBody(data, end, head);
      else {
        write(cs, head);
        if (!this.respChunked && this.respBodyLeft === 0 && !this.respUntilClose) this.endResponse();
      }
      return;
    }
    cs.cork();
    cs.write(head, 'latin1');
    {
      this.st = St.Tunnel;
      this.deadline = this.clock.after(this.tunnelTimeout());
      if (end < data.length) send(cs, data.subarray(end), this.up!.reads);
      cs.uncork();
      if (this.bufLen > 0) {
        this.up!.sock.write(Buffer.from(this.buf.subarray(0, this.bufLen)));
        this.bufLen = 0;
      }
      this.resumeClient();
    }
  }

  private buildResponseHead(tunnel: boolean): string {
    const resp = this.resp;
    let s = `HTTP/1.1 ${resp.status} ${resp.reason}\r\n`;
    const { names, values } = resp;
    for (let i = 0; i < names.length; i++) {
      const l = names[i]!;
      if (l === 'connection' || l === 'keep-alive') continue;
      if (l === 'content-length' && resp.lengthDropped) continue;
      s += l + ': ' + values[i] + '\r\n';
    }
    if (tunnel) s += 'connection: upgrade\r\n';
    else if (!this.clientKeepAlive) s += 'connection: close\r\n';
    else if (this.req.version === 10) s += 'connection: keep-alive\r\n';
    return s + '\r\n';
  }

  /** Forward the body bytes of `chunk` from `from`; `head`, when given, goes first in the same write. */
  private forwardResponseBody(chunk: Buffer, from: number, head?: string): void {
    let end: number;
    let done = false;
    if (this.respUntilClose) end = chunk.length;
    else if (this.respChunked) {
      end = this.respChunks.scan(chunk, from, chunk.length);
      if (end < 0) {
        this.countFailedResponse();
        return this.abort('SD');
      }
      done = this.respChunks.done;
    } else {
      const n = Math.min(this.respBodyLeft, chunk.length - from);
      this.respBodyLeft -= n;
      end = from + n;
      done = this.respBodyLeft === 0;
    }
    this.bytesOut += end - from;
    const upReads = this.up?.reads;
    const ok = head !== undefined ? writeHeadAndBody(this.sock, head, chunk, from, end, upReads) : end > from ? send(this.sock, from === 0 && end === chunk.length ? chunk : chunk.subarray(from, end), upReads) : true;
    if (!ok && !done) this.pauseUpstream();
    if (done) {
      // Bytes after the response's end: the server broke framing, so its connection is not reused.
      if (end < chunk.length) this.serverKeepAlive = false;
      this.endResponse();
    }
  }

  private pauseUpstream(): void {
    this.upPausedByClient = true;
    this.up!.sock.pause();
  }

  onServerEnd(up: Upstream): void {
    if (up !== this.up) return;
    if (this.st === St.Tunnel) {
      this.sock.end();
      return;
    }
    if (this.respHeadDone && this.respUntilClose) {
      this.serverKeepAlive = false;
      this.endResponse();
      return;
    }
    up.sock.destroy();
  }

  onServerClose(up: Upstream, err: Error | undefined): void {
    if (up !== this.up) return;
    this.up = undefined;
    if (this.st === St.Connect) return this.connectFailed();
    if (this.st === St.Tunnel) {
      this.sock.end();
      return this.finish('--');
    }
    if (this.st !== St.Forward) return;
    if (!this.respHeadDone) {
      // A reused connection the server had closed: replay an idempotent, body-less request once.
      if (this.reused && !this.gotResponseBytes && this.reqDone && this.replayable()) {
        return this.connect();
      }
      // HAProxy 2.6 counts the 502 as a failed response, and a reset once more as a server error
      // (Node reports a reset that comes right behind data as a plain close, counted once).
      this.countFailedResponse();
      if (err) this.countFailedResponse();
      return this.fail(502, 'SH');
    }
    // A response cut after its head: HAProxy 2.6 counts a failed response and a server abort,
    // whether the server closed or reset.
    this.countFailedResponse();
    this.server!.counters.srvAbrt++;
    this.be!.proxy.beCounters.srvAbrt++;
    this.abort('SD');
  }

  /** Safe to send again on another connection: idempotent and without a body. */
  private replayable(): boolean {
    return IDEMPOTENT.has(this.req.method) && this.req.contentLength <= 0 && !this.req.chunked;
  }

  private countFailedResponse(): void {
    this.be && this.be.proxy.beCounters.eresp++;
    this.server && this.server.counters.eresp++;
  }

  private badResponse(): void {
    this.countFailedResponse();
    this.up?.sock.destroy();
    this.fail(502, 'PH');
  }

  private countStatus(status: number): void {
    this.fe.proxy.feCounters.countStatus(status);
    if (this.be) this.be.proxy.beCounters.countStatus(status);
    if (this.server) this.server.counters.countStatus(status);
  }

  private tunnelTimeout(): number {
    return this.be?.tunnelTimeout || this.fe.tunnelTimeout || Math.max(this.fe.clientTimeout, this.be?.serverTimeout ?? 0);
  }

  private endResponse(): void {
    const up = this.up;
    this.up = undefined;
    if (up) {
      if (this.upPausedByClient) {
        this.upPausedByClient = false;
        up.sock.resume();
      }
      if (this.serverKeepAlive && this.reqDone && this.be!.reuse && !this.be!.serverClose && up.alive) putIdle(this.be!.pools, up);
      else {
        up.owner = null;
        up.sock.destroy();
      }
    }
    this.finish('--');
    if (!this.reqDone || !this.clientKeepAlive) return this.close(true);
    this.nextRequest();
  }

  private nextRequest(): void {
    this.st = St.Head;
    // A fault in the next request is answered with its error page, not a reset.
    this.respHeadDone = false;
    this.tReqStart = 0;
    this.tAccept = Date.now();
    this.deadline = this.clock.after(this.fe.keepAliveTimeout);
    // A client that leaves its responses unread gets no further one (a pipelined request
    // waits in the buffer) until its socket drains: memory stays bounded, as in HAProxy.
    if (mustDrain(this.sock)) {
      this.pauseClient();
      this.awaitingDrain = true;
      this.deadline = this.clock.after(this.fe.clientTimeout);
      return;
    }
    this.resumeClient();
    if (this.bufLen > 0) this.tryHead();
  }

  // ---- endings ------------------------------------------------------------------------

  /** One request ended: counters, times, log, server slot. */
  private finish(termination: string): void {
    const fe = this.fe;
    const now = Date.now();
    const server = this.server;
    const be = this.be;
    const tw = this.tAssigned ? this.tAssigned - this.tHead : -1;
    const tc = this.tConnected && this.tAssigned ? this.tConnected - this.tAssigned : -1;
    const tr = this.tResp && this.tConnected ? this.tResp - this.tConnected : -1;
    const ta = now - (this.tReqStart || this.tAccept);
    if (be) be.proxy.beCounters.recordTimes(tw, tc, tr, ta);
    if (server) server.counters.recordTimes(tw, tc, tr, ta);
    this.countBytes();
    if (fe.logFormat === 'http') {
      this.env.log.access(
        fe.proxy.name,
        httpLogLine({
          src: this.src, srcPort: this.srcPort, acceptMs: this.tReqStart || this.tAccept,
          frontend: fe.proxy.name, backend: be ? be.proxy.name : fe.proxy.name, server: server ? server.name : '<NOSRV>',
          tr: this.tHead ? this.tHead - (this.tReqStart || this.tAccept) : -1, tw, tc, tresp: tr, ta,
          status: this.status || -1, bytes: this.bytesOut, termination,
          actconn: fe.runtime.process.currConns, feconn: fe.proxy.feCounters.scur, beconn: be ? be.proxy.beCounters.scur : 0,
          srvconn: server ? server.counters.scur : 0, retries: Math.max(this.attempts - 1, 0), srvQueue: 0, beQueue: 0,
          requestLine: this.req.method ? `${this.req.method} ${this.req.target} HTTP/1.${this.req.version === 11 ? 1 : 0}` : '<BADREQ>',
        }),
      );
    }
    this.releaseCurrentServer();
    this.tAssigned = this.tConnected = this.tResp = this.tHead = 0;
  }

  private countBytes(): void {
    const r = this.sock.bytesRead;
    const w = this.sock.bytesWritten;
    const din = r - this.clientBytesRead;
    const dout = w - this.clientBytesWritten;
    this.clientBytesRead = r;
    this.clientBytesWritten = w;
    this.fe.proxy.feCounters.bin += din;
    this.fe.proxy.feCounters.bout += dout;
    if (this.be) {
      this.be.proxy.beCounters.bin += din;
      this.be.proxy.beCounters.bout += dout;
    }
    if (this.server) {
      this.server.counters.bin += din;
      this.server.counters.bout += dout;
    }
  }

  /** `redispatching` keeps the backend session: a request is one backend session whatever server serves it. */
  private releaseCurrentServer(redispatching = false): void {
    const s = this.server;
    this.server = undefined;
    this.beSession = giveBackServer(this.be, s, this, this.beSession, redispatching);
  }

  /** Answer with one of HAProxy's error pages and close. */
  private fail(status: number, termination: string): void {
    if (this.respHeadDone) return this.abort(termination);
    this.status = status;
    // Our own error page: the server row counts only what the server itself answered (HAProxy too).
    this.fe.proxy.feCounters.countStatus(status);
    if (this.be) this.be.proxy.beCounters.countStatus(status);
    const page = errorResponse(status);
    // The answer to an accepted HEAD request has no body, error pages included (as HAProxy).
    const headOnly = this.tHead !== 0 && this.req.method === 'HEAD';
    this.bytesOut = headOnly ? 0 : errorBodyLength(status);
    if (!this.sock.destroyed) this.sock.end(headOnly ? page.subarray(0, page.length - errorBodyLength(status)) : page);
    this.dropUpstream();
    this.finish(termination);
    this.close(true);
  }

  private sendSimple(status: number, headers: string, body: string): void {
    this.status = status;
    this.countStatus(status);
    this.bytesOut = body.length;
    const keep = this.clientKeepAlive && this.reqDone;
    this.sock.write(`HTTP/1.1 ${status} ${reasonOf(status)}\r\n${headers}${keep ? '' : 'connection: close\r\n'}\r\n${body}`, 'latin1');
    this.finish('--');
    if (keep) this.nextRequest();
    else this.close(true);
  }

  private abort(termination: string): void {
    this.dropUpstream();
    if (this.server || this.be) this.finish(termination);
    this.sock.destroy();
    this.cleanup();
  }

  private dropUpstream(): void {
    if (this.ticket) {
      this.ticket.cancel();
      this.ticket = undefined;
    }
    const up = this.up;
    this.up = undefined;
    if (up) {
      up.owner = null;
      up.sock.destroy();
    }
  }

  private close(graceful = false): void {
    if (this.st === St.Closed) return;
    if (graceful && !this.sock.destroyed) {
      // Keep reading (and dropping) what the client still sends so the close is a FIN, not a
      // reset that could destroy the response in flight; a client that never closes is cut off.
      this.sock.end();
      this.sock.resume();
      this.sock.setTimeout(LINGER_MS, () => this.sock.destroy());
    } else this.sock.destroy();
    this.cleanup();
  }

  private cleanup(): void {
    if (this.st === St.Closed) return;
    const wasActive = this.st !== St.Head;
    this.st = St.Closed;
    this.deadline = 0;
    this.clock.remove(this);
    this.dropUpstream();
    if (wasActive && this.server) this.finish('CD');
    else this.releaseCurrentServer();
    this.env.sessionEnded(this.fe);
  }

  // ---- applets (stats page, exporter) ---------------------------------------------------

  private applet: Applet | undefined;

  private startApplet(applet: Applet): void {
    this.applet = applet;
    this.st = St.Applet;
    this.fe.proxy.feCounters.intercepted++;
    this.tryApplet();
  }

  private tryApplet(): void {
    const len = this.req.chunked ? -1 : Math.max(this.req.contentLength, 0);
    if (len < 0 || len > this.fe.headLimit) return this.fail(400, 'PR');
    if (this.bufLen < len) return;
    const body = Buffer.from(this.buf.subarray(0, len));
    this.consume(len);
    this.reqDone = true;
    this.pauseClient();
    const req = this.req;
    const applet = this.applet!;
    this.applet = undefined;
    Promise.resolve()
      .then(() =>
        applet({
          method: req.method, target: req.target, httpVersion: req.version === 11 ? '1.1' : '1.0',
          header: (n) => headerValue(req, n.toLowerCase()), body, src: this.src, srcPort: this.srcPort, secure: false,
        }),
      )
      .then(
        (res) => {
          if (this.st !== St.Applet) return;
          const body = typeof res.body === 'string' ? Buffer.from(res.body) : res.body;
          let head = `HTTP/1.1 ${res.status} ${res.reason ?? reasonOf(res.status)}\r\n`;
          let hasLength = false;
          for (const [n, v] of res.headers) {
            if (n.toLowerCase() === 'content-length') hasLength = true;
            head += `${n}: ${v}\r\n`;
          }
          if (!hasLength) head += `content-length: ${body.length}\r\n`;
          if (!this.clientKeepAlive) head += 'connection: close\r\n';
          this.status = res.status;
          this.countStatus(res.status);
          this.bytesOut = body.length;
          this.sock.cork();
          this.sock.write(head + '\r\n', 'latin1');
          if (req.method !== 'HEAD') this.sock.write(body);
          this.sock.uncork();
          this.finish('--');
          if (this.clientKeepAlive) this.nextRequest();
          else this.close(true);
        },
        () => {
          if (this.st === St.Applet) this.fail(500, 'PR');
        },
      );
  }
}

function noop(): void {}

const JOIN_LIMIT = 16384;

/** A head and the body bytes that came with it in one write: one syscall, no writev. */
function writeHeadAndBody(sock: net.Socket, head: string, body: Buffer, from: number, to: number, reads: ReadLoop | undefined): boolean {
  const n = to - from;
  if (n === 0) return write(sock, head);
  if (n > JOIN_LIMIT) {
    sock.cork();
    sock.write(head, 'latin1');
    const ok = send(sock, body.subarray(from, to), reads);
    sock.uncork();
    return ok;
  }
  const out = Buffer.allocUnsafe(head.length + n);
  out.write(head, 0, 'latin1');
  body.copy(out, head.length, from, to);
  return write(sock, out);
}

/** `name` in lower case. */
function addHeader(h: HttpHead, name: string, value: string): void {
  h.names.push(name);
  h.values.push(value);
}

function removeHeader(h: HttpHead, lower: string): void {
  for (let i = h.names.length - 1; i >= 0; i--) {
    if (h.names[i] === lower) {
      h.names.splice(i, 1);
      h.values.splice(i, 1);
    }
  }
}

const REASONS: Record<number, string> = {
  200: 'OK', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 307: 'Temporary Redirect',
  308: 'Permanent Redirect', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable',
};

function reasonOf(status: number): string {
  return REASONS[status] ?? 'Unknown';
}

const MONITOR_BODY = '<html><body><h1>200 OK</h1>\nService ready.\n</body></html>\n';
const MONITOR_HEADERS = `content-length: ${MONITOR_BODY.length}\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n`;

/** `monitor-uri`: an origin-form one also matches the path of an absolute-form request. */
function isMonitorUri(monitorUri: string, target: string): boolean {
  if (target === monitorUri) return true;
  if (!monitorUri.startsWith('/') || target.startsWith('/')) return false;
  const scheme = target.indexOf('://');
  if (scheme < 0) return false;
  const slash = target.indexOf('/', scheme + 3);
  return slash >= 0 && target.slice(slash) === monitorUri;
}
