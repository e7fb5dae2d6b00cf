// The real binary without a long-lived parent: -D daemon mode with -p pidfile, and the
// -sf path where a new process takes over from an old one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePorts } from '../helpers/ports.js';
import { BIN, canConnect, writeConfig } from '../helpers/switchyard.js';

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body.trim()));
    }).on('error', reject);
  });
}

async function setup(t: { after(fn: () => unknown): void }, global = '') {
  const [port, be] = await freePorts(2);
  const srv = http.createServer((_q, r) => r.end('backend\n'));
  await new Promise<void>((r) => srv.listen(be, '127.0.0.1', r));
  t.after(() => {
    srv.closeAllConnections();
    srv.close();
  });
  const { dir, cfgPath } = writeConfig(`global
${global}
defaults
  mode http
  timeout connect 2s
  timeout client 5s
  timeout server 5s
frontend web
  bind 127.0.0.1:${port}
  default_backend app
backend app
  server s1 127.0.0.1:${be}
`);
  return { port, dir, cfgPath };
}

for (const [name, extra, global] of [
  ['-D', ['-D'], ''],
  ['-D -W', ['-D', '-W'], '  nbthread 1'],
] as const) {
  test(`${name}: the launcher returns at once, the daemon writes its pid and serves until SIGTERM`, async (t) => {
    const { port, dir, cfgPath } = await setup(t, global);
    const pidfile = path.join(dir, 'pid');
    const r = spawnSync(process.execPath, [BIN, ...extra, '-f', cfgPath, '-p', pidfile], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 0, r.stderr);
    await until('the pidfile', () => existsSync(pidfile) && readFileSync(pidfile, 'utf8').endsWith('\n'));
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    t.after(() => alive(pid) && process.kill(pid, 'SIGKILL'));
    assert.ok(alive(pid));
    await until('the daemon to serve', () => canConnect(port));
    assert.equal(await get(port), 'backend');
    process.kill(pid, 'SIGTERM');
    await until('the daemon to exit', () => !alive(pid));
    assert.equal(await canConnect(port), false);
  });
}

test('a broken config with -D fails in the launcher, with exit status 1', async (t) => {
  const { cfgPath } = await setup(t);
  writeFileSync(cfgPath, readFileSync(cfgPath, 'utf8') + '  nonsense-keyword\n');
  const r = spawnSync(process.execPath, [BIN, '-D', '-f', cfgPath], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Fatal errors found in configuration/);
});

test('-sf <pid>: the new process takes the port and the old one finishes and exits 0', async (t) => {
  const { port, cfgPath } = await setup(t);
  const start = (args: string[]) => {
    const p = spawn(process.execPath, [BIN, '-f', cfgPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
    t.after(() => p.exitCode === null && p.kill('SIGKILL'));
    return { p, exited, out: () => out };
  };
  const old = start([]);
  await until('the old process to serve', () => canConnect(port));
  const fresh = start(['-sf', String(old.p.pid)]);
  assert.equal(await old.exited, 0, old.out());
  await until('the new process to serve', () => canConnect(port));
  assert.equal(await get(port), 'backend');
  assert.equal(fresh.p.exitCode, null);
  fresh.p.kill('SIGTERM');
  assert.equal(await fresh.exited, 0);
});
