// The master-worker harness the process e2e tests share: real backends, a -W master with
// nbthread 2 on a config written to a temp dir, and polling for conditions.

import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { BIN, canConnect, writeConfig } from '../helpers/switchyard.js';

export interface Master {
  proc: ChildProcess;
  cfgPath: string;
  pidfile: string;
  sock: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

export async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function backends(t: { after(fn: () => unknown): void }, ports: number[]): Promise<void> {
  for (const [i, port] of ports.entries()) {
    const srv = http.createServer({ keepAlive: true }, (_req, res) => res.end(`s${i + 1}\n`));
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
    t.after(() => {
      srv.closeAllConnections();
      srv.close();
    });
  }
}

export function configText(dir: string, port: number, be: number[]): string {
  return `global
  master-worker
  nbthread 2
  hard-stop-after 8s
  stats socket ${path.join(dir, 'admin.sock')} level admin
defaults
  mode http
  timeout connect 2s
  timeout client 10s
  timeout server 10s
frontend web
  bind 127.0.0.1:${port}
  default_backend app
backend app
  server s1 127.0.0.1:${be[0]}
  server s2 127.0.0.1:${be[1]}
`;
}

export async function startMaster(t: { after(fn: () => unknown): void }, port: number, be: number[]): Promise<Master> {
  const { dir, cfgPath } = writeConfig('');
  writeFileSync(cfgPath, configText(dir, port, be));
  const pidfile = path.join(dir, 'pid');
  const proc = spawn(process.execPath, [BIN, '-f', cfgPath, '-p', pidfile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  t.after(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      await exited;
    }
  });
  const m = { proc, cfgPath, pidfile, sock: path.join(dir, 'admin.sock'), output: () => out, exited };
  await until('the master to serve', async () => {
    if (proc.exitCode !== null) throw new Error(`master exited ${proc.exitCode}:\n${out}`);
    return out.includes('Loading success.') && (await canConnect(port));
  });
  return m;
}

export const countOf = (s: string, text: string) => s.split(text).length - 1;
export const workerPids = (s: string) => [...s.matchAll(/New worker \((\d+)\) forked/g)].map((m) => Number(m[1]));
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
