// Drives the real binary the way VTest does for HAProxy's reg-tests: listening sockets
// created by the test and inherited as `fd@N`, env vars naming them, a one-command CLI that
// half-closes, a UDP syslog, and SIGINT to stop.

import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { BIN, writeConfig } from '../helpers/switchyard.js';

export interface Inherited {
  server: net.Server;
  port: number;
  fd: number;
}

/** A listening socket on 127.0.0.1 whose descriptor a child can inherit. */
export async function listeningSocket(): Promise<Inherited> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // The handle's descriptor: what VTest passes to haproxy for each `fd@${name}`.
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  return { server, port: (server.address() as net.AddressInfo).port, fd };
}

export interface Child {
  proc: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Start the binary with `fds` as descriptors 3, 4, ... and `env` naming them. Returns once
 * spawned; the parent's copies of the listening sockets are closed (the child holds them).
 */
export function startWithFds(cfgText: string, fds: Inherited[], args: string[] = [], env: Record<string, string> = {}): Child & { dir: string } {
  const { dir, cfgPath } = writeConfig(cfgText);
  const stdio: (number | 'pipe' | 'ignore')[] = ['pipe', 'pipe', 'pipe', ...fds.map((f) => f.fd)];
  const proc = spawn(process.execPath, [BIN, '-d', ...args, '-f', cfgPath], { stdio, env: { ...process.env, ...env } });
  for (const f of fds) f.server.close();
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    proc,
    dir,
    output: () => out,
    exited,
    stop(signal: NodeJS.Signals = 'SIGINT') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** VTest's CLI exchange: write the command, half-close, read until the server closes. */
export function cliCommand(port: number, command: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no answer to '${command}' (got ${JSON.stringify(data)})`));
    }, timeoutMs);
    s.setEncoding('latin1');
    s.on('connect', () => s.end(command + '\n'));
    s.on('data', (d: string) => (data += d));
    s.on('close', () => {
      clearTimeout(timer);
      resolve(data);
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** One HTTP/1.1 request over a fresh connection; resolves with the raw response once closed or complete. */
export function rawHttp(port: number, request: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no complete response (got ${JSON.stringify(data)})`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(data);
    };
    s.setEncoding('latin1');
    s.on('connect', () => s.write(request));
    s.on('data', (d: string) => {
      data += d;
      const head = data.indexOf('\r\n\r\n');
      const m = /\r\ncontent-length: *(\d+)/i.exec(data);
      if (head >= 0 && m && data.length >= head + 4 + Number(m[1])) done();
    });
    s.on('close', done);
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

export interface Syslog {
  port: number;
  lines: string[];
  /** Resolves with the first line (received before or after) matching `re`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  close(): void;
}

export async function udpSyslog(): Promise<Syslog> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const lines: string[] = [];
  sock.on('message', (m) => lines.push(m.toString('latin1')));
  return {
    port: sock.address().port,
    lines,
    async waitFor(re, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = lines.find((l) => re.test(l));
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`no syslog line matching ${re}; got:\n${lines.join('\n')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => sock.close(),
  };
}

/** Poll `fn` until it returns a value that `ok` accepts, within a generous deadline. */
export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (ok(last)) return last;
    } catch (e) {
      lastErr = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not met; last value: ${JSON.stringify(last)} ${lastErr ? String(lastErr) : ''}`);
}
