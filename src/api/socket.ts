// The runtime API on every `stats socket` of global: unix, tcp or inherited fd listeners
// speaking HAProxy's CLI framing. Non-interactive: the complete lines received are run,
// each reply is followed by one empty line, then the connection closes. `prompt` mode: every
// reply ends with `\n> ` and the session stays until `quit`, the client's close or
// `stats timeout` (per session: `set timeout cli`).

import net from 'node:net';
import cluster from 'node:cluster';
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import type { StatsSocketConfig } from '../config/model.js';
import { createControl } from '../control/commands.js';
import type { Runtime } from '../core/runtime.js';
import type { Logger } from '../log/logger.js';
import type { Snapshot } from '../stats/snapshot.js';
import { Cli, parseLine, type CliSession } from './cli.js';
import { commandListText } from './help.js';

export interface ApiSockets {
  close(): Promise<void>;
}

/** Longest command line accepted; HAProxy's limit is its buffer size. */
const MAX_LINE = 16384;

function describe(cfg: StatsSocketConfig): string {
  const a = cfg.address;
  if (a.kind === 'unix') return a.path;
  if (a.kind === 'fd') return `fd@${a.fd}`;
  return `${a.family === 6 ? `[${a.host}]` : a.host || '*'}:${a.port}`;
}

/** Removes a stale unix socket left by a previous run; never another kind of file. */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // absent: nothing to remove
  }
}

function listen(server: net.Server, cfg: StatsSocketConfig): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve();
    };
    const a = cfg.address;
    if (a.kind === 'unix') {
      // Under a master (-W) the socket file belongs to the master, which shares it with every
      // worker: a worker removing it would leave the live socket without a name.
      if (!cluster.isWorker) removeStaleSocket(a.path);
      server.listen(a.path, () => {
        if (cfg.mode !== undefined) chmodSync(a.path, cfg.mode);
        done();
      });
    } else if (a.kind === 'fd') server.listen({ fd: a.fd }, done);
    else server.listen({ host: a.host === '' ? undefined : a.host, port: a.port }, done);
  });
}

export interface StatsSocketOptions {
  /** Process-wide snapshot when several workers serve (see process/process-snapshot.ts). */
  snapshot?: () => Promise<Snapshot>;
}

export async function startStatsSockets(runtime: Runtime, log: Logger, opts: StatsSocketOptions = {}): Promise<ApiSockets> {
  const g = runtime.config.global;
  const sessions = new Set<CliSession>();
  const binds = runtime.proxies.reduce((n, p) => n + (p.config.isFrontend ? p.config.binds.length : 0), 0);
  const cli = new Cli({
    runtime,
    control: createControl(runtime, log),
    listeners: () => binds + g.statsSockets.length,
    sessions: () => sessions,
    ...(opts.snapshot ? { snapshot: opts.snapshot } : {}),
  });
  let nextId = 1;
  const servers: net.Server[] = [];

  // Beyond `stats maxconn`, connections wait unread (as in HAProxy's accept queue) until a
  // session ends.
  const waiting: [net.Socket, StatsSocketConfig][] = [];
  function admit(conn: net.Socket, cfg: StatsSocketConfig): void {
    if (sessions.size < g.statsMaxconn) serve(conn, cfg);
    else {
      conn.pause();
      conn.on('error', () => conn.destroy());
      waiting.push([conn, cfg]);
    }
  }
  function next(): void {
    while (waiting.length > 0 && sessions.size < g.statsMaxconn) {
      const [conn, cfg] = waiting.shift()!;
      if (conn.destroyed) continue;
      serve(conn, cfg);
      conn.resume();
    }
  }

  function serve(conn: net.Socket, cfg: StatsSocketConfig): void {
    const unix = cfg.address.kind === 'unix';
    const session: CliSession = {
      id: nextId++,
      level: cfg.level,
      interactive: false,
      timeoutMs: g.statsTimeout,
      quit: false,
      proto: unix ? 'unix_stream' : conn.remoteFamily === 'IPv6' ? 'tcpv6' : 'tcpv4',
      src: unix ? 'unix:1' : `${conn.remoteAddress}:${conn.remotePort}`,
      startMs: Date.now(),
      kill: () => conn.destroy(),
    };
    sessions.add(session);
    conn.on('close', () => {
      sessions.delete(session);
      next();
    });
    conn.on('error', () => conn.destroy());
    conn.setTimeout(session.timeoutMs, () => conn.destroy());
    let pending = '';
    const lines: string[] = [];
    let busy = false;
    let ran = false;
    let clientEnded = false;

    // Lines run one after the other; a reply may wait for the other workers' snapshots.
    const pump = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      while (lines.length > 0 && !session.quit && !conn.destroyed) {
        const line = lines.shift()!;
        ran = true;
        let out = '';
        // Only a truly empty line ends a session; a blank one (spaces, \r, \v...) is a command, as in HAProxy.
        if (line === '') {
          if (!session.interactive) {
            session.quit = true;
            break;
          }
          out = commandListText() + '\n> ';
        } else {
          for (const words of parseLine(line)) {
            const text = await cli.execute(session, words);
            if (session.quit) break;
            out += text + (session.interactive ? '\n> ' : '\n');
          }
        }
        if (out !== '' && !conn.destroyed) conn.write(out, 'latin1');
      }
      busy = false;
      if (session.quit || clientEnded || (ran && !session.interactive)) conn.end();
      else conn.setTimeout(session.timeoutMs);
    };

    conn.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        lines.push(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
      if (pending.length > MAX_LINE) conn.destroy();
      else void pump();
    });
    // The client half-closed: answer what it sent, then close.
    conn.on('end', () => {
      clientEnded = true;
      if (!busy) conn.end();
    });
  }

  try {
    for (const cfg of g.statsSockets) {
      const server = net.createServer({ allowHalfOpen: true }, (conn) => admit(conn, cfg));
      server.on('error', (err) => log.event('err', `stats socket ${describe(cfg)}: ${err.message}`));
      await listen(server, cfg).catch((err: NodeJS.ErrnoException) => {
        throw new Error(`Starting frontend GLOBAL: cannot bind stats socket (${err.code ?? err.message}) [${describe(cfg)}]`);
      });
      servers.push(server);
    }
  } catch (err) {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    throw err;
  }

  return {
    async close() {
      for (const [conn] of waiting.splice(0)) conn.destroy();
      for (const s of sessions) s.kill();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}
