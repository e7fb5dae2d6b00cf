// The master and its workers as real processes: cluster-shared listening sockets, reloads
// under load, operator state across workers and across reloads, stop signals and pidfile.
// Workers serve through a node:http stand-in for the data plane (fixtures/http-master.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/ports.js';
import { canConnect, writeConfig } from '../helpers/switchyard.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/http-master.js');

function configText(port: number, nbthread: number, extraBackendLine = '', hardStop = '8s'): string {
  return `global
  nbthread ${nbthread}
  hard-stop-after ${hardStop}
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend web
  bind 127.0.0.1:${port}
  default_backend be
backend be
  server s1 127.0.0.1:9
  server s2 127.0.0.1:9
${extraBackendLine}`;
}

interface Master {
  proc: ChildProcess;
  cfgPath: string;
  pidfile: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startMaster(t: { after(fn: () => unknown): void }, cfg: string, port: number): Promise<Master> {
  const { dir, cfgPath } = writeConfig(cfg);
  const pidfile = path.join(dir, 'pid');
  const proc = spawn(process.execPath, [FIXTURE], {
    env: { ...process.env, SY_FIXTURE_CFG: cfgPath, SY_FIXTURE_PID: pidfile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
  const m = { proc, cfgPath, pidfile, output: () => out, exited };
  await until('the master to serve', async () => m.output().includes('Loading success.') && (await canConnect(port)));
  return m;
}

function get(port: number, urlPath: string, agent: http.Agent | false, method = 'GET'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`status ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function countOf(output: string, text: string): number {
  return output.split(text).length - 1;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function workerPids(output: string): number[] {
  return [...output.matchAll(/New worker \((\d+)\) forked/g)].map((m) => Number(m[1]));
}

test('three reloads under 50 keep-alive clients, one with a broken config: no request fails', async (t) => {
  const port = await freePort();
  const m = await startMaster(t, configText(port, 2), port);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
  t.after(() => agent.destroy());
  let ok = 0;
  const failures: string[] = [];
  const pids = new Set<string>();
  let running = true;
  const MAX_PER_CLIENT = 20_000;
  const client = async () => {
    for (let i = 0; running && i < MAX_PER_CLIENT; i++) {
      try {
        const body = await get(port, '/', agent);
        pids.add(body.trim());
        ok++;
      } catch (err) {
        failures.push(String(err));
      }
    }
  };
  const clients = Array.from({ length: 50 }, client);
  const good = readFileSync(m.cfgPath, 'utf8');
  const MIN_PHASE_MS = 2_000;
  const phase = async (what: string, minOk: number) => {
    const start = Date.now();
    await until(what, () => ok > minOk && Date.now() - start >= MIN_PHASE_MS);
  };
  const reloaded = (n: number) => until(`reload ${n}`, () => countOf(m.output(), 'Loading success.') === n || countOf(m.output(), 'Loading failure!') === 1 && n === -1);
  try {
    await phase('some traffic', 500);
    m.proc.kill('SIGUSR2');
    await reloaded(2);
    await phase('traffic after reload 1', 2000);
    writeFileSync(m.cfgPath, good + '  garbage-keyword here\n');
    m.proc.kill('SIGUSR2');
    await reloaded(-1);
    writeFileSync(m.cfgPath, good);
    await phase('traffic after the broken reload', 3500);
    m.proc.kill('SIGUSR2');
    await reloaded(3);
    await until('former workers gone', () => countOf(m.output(), 'Former worker (') === 4);
    const after = ok;
    await phase('traffic after reload 3', after + 1000);
  } finally {
    running = false;
    await Promise.all(clients);
  }
  assert.deepEqual(failures, []);
  const out = m.output();
  assert.match(out, /\[ALERT\] +\(\d+\) : config : parsing \[.*:\d+\] : unknown keyword 'garbage-keyword'/);
  assert.match(out, /\[ALERT\] +\(\d+\) : config : Fatal errors found in configuration\./);
  assert.equal(countOf(out, 'Loading failure!'), 1);
  assert.equal(countOf(out, 'Reloading HAProxy'), 3);
  assert.match(out, /Former worker \(\d+\) exited with code 0 \(Exit\)/);
  // Two generations of two workers each served before the last one: the reloads really swapped.
  assert.ok(pids.size >= 3, `responses came from ${pids.size} workers`);
  assert.equal(workerPids(out).length, 6);
});

type WorkerState = { pid: number; state: unknown };
const S1_DRAINED = [
  { backend: 'be', server: 's1', drain: true, maint: false },
  { backend: 'be', server: 's2', drain: false, maint: false },
];

test('nbthread 2: a DRAIN set in one worker reaches the other, survives a reload, and counts sum', async (t) => {
  const port = await freePort();
  const m = await startMaster(t, configText(port, 2), port);
  const first = workerPids(m.output());
  const drainedBy = Number((await get(port, '/drain/be/s1', false, 'POST')).split(' ')[1]);
  assert.ok(first.includes(drainedBy));
  await until('both workers drained', async () => {
    const all = JSON.parse(await get(port, '/state-all', false)) as WorkerState[];
    return all.length === 2 && all.every((w) => JSON.stringify(w.state) === JSON.stringify(S1_DRAINED));
  });
  const all = JSON.parse(await get(port, '/state-all', false)) as WorkerState[];
  assert.deepEqual(all.map((w) => w.pid).sort(), [...first].sort());

  const SENT = 137;
  const before = Number((await get(port, '/served', false)).split(' ')[0]);
  for (let i = 0; i < SENT; i++) await get(port, '/', false);
  const [total, parts] = (await get(port, '/served', false)).trim().split(' ').map(Number);
  assert.equal(parts, 2);
  assert.equal(total - before, SENT);

  m.proc.kill('SIGUSR2');
  await until('reload', () => countOf(m.output(), 'Loading success.') === 2);
  const fresh = workerPids(m.output()).slice(2);
  // Applied before the new workers listened: every answer from a new worker shows s1
  // drained, from its very first connection on.
  for (let i = 0; i < 100; i++) {
    const { pid, state } = JSON.parse(await get(port, '/state', false)) as WorkerState;
    if (fresh.includes(pid)) assert.deepEqual(state, S1_DRAINED);
  }
  await until('old workers gone', () => countOf(m.output(), 'Former worker (') === 2);
  const after = JSON.parse(await get(port, '/state-all', false)) as WorkerState[];
  assert.deepEqual(after.map((w) => w.pid).sort(), [...fresh].sort());
  for (const w of after) assert.deepEqual(w.state, S1_DRAINED);
});

test('a reload whose workers cannot bind keeps the old workers serving', async (t) => {
  const [port, taken] = [await freePort(), await freePort()];
  const blocker = http.createServer((_q, r) => r.end('blocker\n'));
  await new Promise<void>((r) => blocker.listen(taken, '127.0.0.1', r));
  t.after(() => blocker.close());
  const m = await startMaster(t, configText(port, 2), port);
  const first = workerPids(m.output());
  writeFileSync(m.cfgPath, readFileSync(m.cfgPath, 'utf8').replace(`bind 127.0.0.1:${port}`, `bind 127.0.0.1:${port}\n  bind 127.0.0.1:${taken}`));
  m.proc.kill('SIGUSR2');
  await until('the failed reload', () => m.output().includes('Loading failure!'));
  assert.match(m.output(), /EADDRINUSE/);
  for (let i = 0; i < 20; i++) {
    const body = await get(port, '/', false);
    assert.ok(first.includes(Number(body.split(' ')[1])), body);
  }
  assert.ok(first.every(alive));
});

test('foreground master: SIGUSR2 reloads, SIGUSR1 stops cleanly, pidfile removed, nothing left', async (t) => {
  const port = await freePort();
  const m = await startMaster(t, configText(port, 2), port);
  assert.deepEqual(readFileSync(m.pidfile, 'utf8'), `${m.proc.pid}\n`);
  m.proc.kill('SIGUSR2');
  await until('reload', () => countOf(m.output(), 'Loading success.') === 2);
  m.proc.kill('SIGUSR1');
  const { code, signal } = await m.exited;
  assert.equal(signal, null);
  assert.equal(code, 0);
  const out = m.output();
  assert.match(out, /Exiting Master process\.\.\./);
  assert.match(out, /All workers exited\. Exiting\.\.\. \(0\)/);
  assert.equal(existsSync(m.pidfile), false);
  const pids = workerPids(out);
  assert.equal(pids.length, 4);
  await until('every worker gone', () => pids.every((p) => !alive(p)), 5_000);
});

test('SIGINT stops a master with exit status 130, SIGTERM with 0', async (t) => {
  for (const [sig, want] of [['SIGINT', 130], ['SIGTERM', 0]] as const) {
    const port = await freePort();
    const m = await startMaster(t, configText(port, 1), port);
    m.proc.kill(sig);
    const { code } = await m.exited;
    assert.equal(code, want, sig);
    const pids = workerPids(m.output());
    await until('worker gone', () => pids.every((p) => !alive(p)), 5_000);
  }
});

test('hard-stop-after ends a former worker whose session never finishes', async (t) => {
  const port = await freePort();
  const m = await startMaster(t, configText(port, 1, '', '500ms'), port);
  const [old] = workerPids(m.output());
  // Half a request head: the session stays open until the worker is stopped by force.
  const stuck = net.connect(port, '127.0.0.1');
  t.after(() => stuck.destroy());
  stuck.on('error', () => {});
  await new Promise((r) => stuck.once('connect', r));
  stuck.write('GET / HTTP/1.1\r\nHost: x\r\n');
  m.proc.kill('SIGUSR2');
  await until('the former worker to be stopped', () => m.output().includes(`Former worker (${old}) exited with code 143 (Terminated)`));
  assert.equal(alive(old), false);
  assert.match(await get(port, '/', false), /^ok \d+\n$/);
});

test('a worker that dies on its own brings the master down (exit-on-failure)', async (t) => {
  const port = await freePort();
  const m = await startMaster(t, configText(port, 2), port);
  const [victim, other] = workerPids(m.output());
  process.kill(victim, 'SIGKILL');
  const { code } = await m.exited;
  assert.equal(code, 137);
  assert.match(m.output(), new RegExp(`Current worker \\(${victim}\\) exited with code 137 \\(Killed\\)`));
  assert.match(m.output(), /exit-on-failure: killing every processes with SIGTERM/);
  await until('the other worker gone', () => !alive(other), 5_000);
});

test('SIGTERM after SIGUSR1 turns the graceful stop into a fast one', async (t) => {
  const port = await freePort();
  const m = await startMaster(t, configText(port, 1, '', '60s'), port);
  const stuck = net.connect(port, '127.0.0.1');
  t.after(() => stuck.destroy());
  stuck.on('error', () => {});
  await new Promise((r) => stuck.once('connect', r));
  stuck.write('GET / HTTP/1.1\r\n');
  m.proc.kill('SIGUSR1');
  await until('the graceful stop', () => m.output().includes('Exiting Master process...'));
  m.proc.kill('SIGTERM');
  const { code } = await m.exited;
  assert.equal(code, 0);
  assert.match(m.output(), /Current worker \(\d+\) exited with code 143 \(Terminated\)/);
});
