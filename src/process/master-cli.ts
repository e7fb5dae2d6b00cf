// The master CLI (`-S <addr>[,<opts>]`): one command line per connection, answered and closed.
// `@<n>` (relative worker number) and `@!<pid>` prefixes route the rest of the line to a
// worker, which runs it as its stats socket would; the master itself answers `show proc`,
// `show version`, `reload` and `help`.

import net from 'node:net';
import { lstatSync, unlinkSync } from 'node:fs';
import type { Worker } from 'node:cluster';
import { VERSION } from '../cli/version.js';

export interface MasterCliHooks {
  /** Current workers in start order (relative pid 1 is the first). */
  workers(): Worker[];
  reloads(): number;
  startMs: number;
  /** Runs a line on a worker and resolves with its reply. */
  ask(worker: Worker, line: string): Promise<string>;
  reload(): void;
}

export interface MasterCli {
  close(): void;
}

const HELP = [
  ['@!<pid>', 'send a command to the <pid> process'],
  ['@<relative pid>', 'send a command to the <relative pid> process'],
  ['@master', 'send a command to the master process'],
  ['reload', 'reload haproxy'],
  ['show proc', 'show processes status'],
  ['show version', 'show version of the current process'],
  ['help [<command>]', 'list matching or all commands'],
  ['quit', 'disconnect'],
] as const;

function helpText(): string {
  return 'The following commands are valid at this level:\n' + HELP.map(([c, d]) => `  ${c.padEnd(40)}: ${d}\n`).join('');
}

function uptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const hh = String(Math.floor(s / 3600) % 24).padStart(2, '0');
  const mm = String(Math.floor(s / 60) % 60).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${Math.floor(s / 86400)}d${hh}h${mm}m${ss}s`;
}

function showProc(h: MasterCliHooks): string {
  const now = Date.now();
  const up = uptime(now - h.startMs);
  const row = (pid: number, type: string, reloads: string): string => `${String(pid).padEnd(16)}${type.padEnd(16)}${reloads.padEnd(16)}${up.padEnd(16)}${VERSION}\n`;
  let out = `#<PID>          <type>          <reloads>       <uptime>        <version>      \n`;
  out += row(process.pid, 'master', `${h.reloads()} [failed: 0]`);
  out += '# workers\n';
  for (const w of h.workers()) out += row(w.process.pid ?? 0, 'worker', '0');
  return out + '# programs\n\n';
}

/** The worker a `@...` prefix names, or undefined (the master itself for `@master` / `@`). */
function target(prefix: string, workers: Worker[]): Worker | 'master' | undefined {
  if (prefix === '' || prefix === 'master') return 'master';
  if (prefix.startsWith('!')) {
    const pid = Number(prefix.slice(1));
    return workers.find((w) => w.process.pid === pid);
  }
  if (!/^\d+$/.test(prefix)) return undefined;
  return workers[Number(prefix) - 1];
}

async function run(line: string, h: MasterCliHooks): Promise<string> {
  let rest = line.trim();
  if (rest.startsWith('@')) {
    const sp = rest.search(/\s/);
    const prefix = sp < 0 ? rest.slice(1) : rest.slice(1, sp);
    rest = sp < 0 ? '' : rest.slice(sp).trim();
    const t = target(prefix, h.workers());
    if (!t) return `Can't find the target PID matching the prefix '@${prefix}'\n`;
    if (t !== 'master') return h.ask(t, rest);
  }
  const words = rest.split(/\s+/).filter((w) => w !== '');
  const cmd = words.join(' ');
  if (cmd === 'show proc') return showProc(h);
  if (cmd === 'show version') return VERSION + '\n';
  if (cmd === 'help') return helpText();
  if (cmd === 'reload') {
    h.reload();
    return '';
  }
  if (cmd === '' || cmd === 'quit') return '';
  return 'Unknown command, but maybe one of the following ones is a better match:\n' + HELP.map(([c, d]) => `  ${c.padEnd(40)}: ${d}\n`).join('') + '\n';
}

/** Listen on every `-S` spec: `fd@N` (an inherited listening socket), a unix path or `[ipv4@|ipv6@]host:port`. */
export async function startMasterCli(specs: string[], h: MasterCliHooks): Promise<MasterCli> {
  const servers: net.Server[] = [];
  for (const spec of specs) {
    const addr = spec.split(',')[0]!;
    const server = net.createServer({ allowHalfOpen: true }, (conn) => serve(conn, h));
    server.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const done = (): void => {
        server.off('error', reject);
        resolve();
      };
      if (addr.startsWith('fd@')) server.listen({ fd: Number(addr.slice(3)) }, done);
      else if (addr.startsWith('/') || addr.startsWith('unix@')) {
        const path = addr.startsWith('unix@') ? addr.slice(5) : addr;
        try {
          if (lstatSync(path).isSocket()) unlinkSync(path);
        } catch {
          // absent: nothing to remove
        }
        server.listen(path, done);
      } else {
        const hp = addr.replace(/^ipv[46]@/, '');
        const colon = hp.lastIndexOf(':');
        const host = hp.slice(0, colon).replace(/^\[|\]$/g, '');
        server.listen({ host: host === '' || host === '*' ? undefined : host, port: Number(hp.slice(colon + 1)) }, done);
      }
    });
    servers.push(server);
  }
  return {
    close() {
      for (const s of servers) s.close();
    },
  };
}

/** Reads the first line (or everything up to the client's half-close), answers, closes. */
function serve(conn: net.Socket, h: MasterCliHooks): void {
  conn.setEncoding('latin1');
  conn.on('error', () => conn.destroy());
  let buf = '';
  let answered = false;
  const answer = (line: string): void => {
    if (answered) return;
    answered = true;
    run(line, h).then(
      (out) => conn.end(out),
      () => conn.destroy(),
    );
  };
  conn.on('data', (d: string) => {
    buf += d;
    const nl = buf.indexOf('\n');
    if (nl >= 0) answer(buf.slice(0, nl));
  });
  conn.on('end', () => answer(buf));
}
