// Opens every frontend's binds and hands each accepted connection to an HTTP or TCP session.
// Connections over the global or frontend maxconn are held unread until a slot frees up:
// the client waits, it is never dropped.

import net from 'node:net';
import { unlinkSync } from 'node:fs';
import type { Runtime } from '../core/runtime.js';
import type { Logger } from '../log/logger.js';
import type { Bind } from '../config/model.js';
import type { AppletRouter } from './applet.js';
import { buildContexts, type BackendCtx, type FrontendCtx } from './context.js';
import { Clock } from './clock.js';
import { HttpSession } from './http.js';
import { TcpSession } from './tcp.js';
import { clientAddress, type SessionEnv } from './session.js';
import { adoptAccepted, ReadLoop } from './reads.js';
import { connectionEnded } from './planned-gc.js';
import { duplicateHandles } from './listener-copies.js';

/** Each TCP bind gets this many more descriptors: up to 16 accepts per turn (listener-copies.ts). */
const EXTRA_LISTENERS = 15;

export interface DataPlane {
  /** Stop accepting; resolve when listeners are closed (sessions may still run). */
  close(): Promise<void>;
  /** Resolves once the background part of startup (listener copies) is over. */
  settled: Promise<void>;
}

export async function startFrontends(runtime: Runtime, deps: { applets: AppletRouter; log: Logger }): Promise<DataPlane> {
  const { frontends } = buildContexts(runtime);
  const clock = new Clock();
  const waiting: { sock: net.Socket; fe: FrontendCtx }[] = [];
  const proc = runtime.process;

  const full = (fe: FrontendCtx): boolean =>
    (runtime.maxconn > 0 && proc.currConns >= runtime.maxconn) || (fe.proxy.maxconn > 0 && fe.proxy.feCounters.scur >= fe.proxy.maxconn);

  const env: SessionEnv = {
    clock,
    log: deps.log,
    applets: deps.applets,
    sessionEnded(fe) {
      proc.currConns--;
      connectionEnded(clock.now);
      fe.proxy.feCounters.sessionEnd();
      for (let i = 0; i < waiting.length; i++) {
        const w = waiting[i]!;
        if (w.sock.destroyed) {
          waiting.splice(i--, 1);
          continue;
        }
        if (!full(w.fe)) {
          waiting.splice(i, 1);
          start(w.sock, w.fe);
          return;
        }
      }
    },
  };

  function start(accepted: net.Socket, fe: FrontendCtx): void {
    const reads = new ReadLoop(noop);
    const sock = adoptAccepted(accepted, reads, true);
    const now = clock.now;
    proc.currConns++;
    proc.cumConns++;
    if (proc.currConns > proc.maxConnReached) proc.maxConnReached = proc.currConns;
    const c = fe.proxy.feCounters;
    c.sessionStart(now);
    c.connTot++;
    c.connRate.hit(now);
    sock.setNoDelay(true);
    if (fe.mode === 'http') new HttpSession(sock, reads, fe, env);
    else new TcpSession(sock, reads, fe, tcpBackend(sock, fe), env);
  }

  function accept(sock: net.Socket, fe: FrontendCtx): void {
    if (fe.proxy.frontendStatus !== 'OPEN' || full(fe)) {
      sock.on('error', () => sock.destroy());
      waiting.push({ sock, fe });
      return;
    }
    start(sock, fe);
  }

  const servers: net.Server[] = [];
  let closed = false;
  let settled = Promise.resolve();
  try {
    const owners: FrontendCtx[] = [];
    for (const fe of frontends) {
      if (fe.proxy.config.disabled) continue;
      for (const bind of fe.proxy.config.binds) {
        servers.push(await listen(bind, fe, accept));
        owners.push(fe);
      }
    }
    // In the background: the helper process takes tens of milliseconds, startup does not wait.
    settled = duplicateHandles(servers, EXTRA_LISTENERS).then((copies) =>
      copies.forEach((handles, i) => {
        for (const h of handles) {
          if (closed) h.close();
          else servers.push(listenerFor(owners[i]!, accept).listen(h));
        }
      }),
    );
  } catch (err) {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    throw err;
  }

  return {
    settled,
    async close() {
      // Soft stop (reload, SIGUSR1): every response from now on closes its connection, so
      // keep-alive clients move to the new workers instead of being cut at hard-stop-after.
      for (const fe of frontends) fe.httpClose = true;
      closed = true;
      clock.stop();
      // net.Server#close calls back only once every connection ended; the listening socket
      // itself is closed at once, which is all this promise stands for.
      for (const s of servers) s.close();
      for (const w of waiting.splice(0)) w.sock.destroy();
    },
  };
}

function listenerFor(fe: FrontendCtx, accept: (s: net.Socket, fe: FrontendCtx) => void): net.Server {
  // pauseOnConnect: nothing is read before the session adopts the socket (see reads.ts), and
  // connections over maxconn wait unread.
  return net.createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: true }, (s) => accept(s, fe));
}

function listen(bind: Bind, fe: FrontendCtx, accept: (s: net.Socket, fe: FrontendCtx) => void): Promise<net.Server> {
  const server = listenerFor(fe, accept);
  const backlog = fe.proxy.config.backlog ?? 1024;
  const a = bind.address;
  return new Promise((resolve, reject) => {
    // The errno code stays on the error: the process model retries binds on EADDRINUSE.
    const onError = (err: NodeJS.ErrnoException): void =>
      reject(
        Object.assign(new Error(`Binding [${bind.where.file}:${bind.where.line}] for frontend ${fe.proxy.name}: cannot bind socket (${bindReason(err)}) for [${describe(bind)}]`), {
          code: err.code,
        }),
      );
    server.once('error', onError);
    const ready = (): void => {
      server.off('error', onError);
      server.on('error', () => {});
      resolve(server);
    };
    if (a.kind === 'unix') {
      try {
        unlinkSync(a.path);
      } catch {
        // nothing to remove
      }
      server.listen({ path: a.path, backlog }, ready);
    } else if (a.kind === 'fd') server.listen({ fd: a.fd, backlog }, ready);
    else {
      const host = a.host === '' || a.host === '*' ? (a.family === 6 ? '::' : '0.0.0.0') : a.host;
      server.listen({ host, port: a.port, backlog, ipv6Only: a.family === 6 && host === '::' ? false : undefined }, ready);
    }
  });
}

function noop(): void {}

const BIND_ERRORS: Record<string, string> = {
  EADDRINUSE: 'Address already in use',
  EACCES: 'Permission denied',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EAFNOSUPPORT: 'Address family not supported by protocol',
};

/** The system's wording for the bind failure, as HAProxy prints it. */
function bindReason(err: NodeJS.ErrnoException): string {
  return (err.code && BIND_ERRORS[err.code]) || err.message;
}

function describe(bind: Bind): string {
  const a = bind.address;
  if (a.kind === 'unix') return a.path;
  if (a.kind === 'fd') return `fd@${a.fd}`;
  return `${a.family === 6 ? `[${a.host}]` : a.host || '*'}:${a.port}`;
}

/** `use_backend` in `mode tcp`: the first rule whose condition holds on the connection alone. */
function tcpBackend(sock: net.Socket, fe: FrontendCtx): BackendCtx | undefined {
  if (fe.routes.length === 0) return fe.defaultBackend;
  const a = clientAddress(sock);
  const facts = { src: a.ip, srcPort: a.port, dst: sock.localAddress, dstPort: sock.localPort };
  for (const r of fe.routes) if (r.when(facts)) return r.backend;
  return fe.defaultBackend;
}
