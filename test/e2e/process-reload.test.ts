// The real binary in master-worker mode (-W, nbthread 2): reloads under steady keep-alive
// load drop nothing and a broken config leaves the old one serving.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { freePorts } from '../helpers/ports.js';
import { alive, backends, countOf, startMaster, until, workerPids } from './process-harness.js';


const REQUEST_TIMEOUT_MS = 10_000;

function get(port: number, agent: http.Agent | false): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body.trim()) : reject(new Error(`status ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

test('-W nbthread 2: three reloads under 50 keep-alive clients, one broken, drop nothing; SIGUSR1 stops clean', async (t) => {
  const [port, b1, b2] = await freePorts(3);
  await backends(t, [b1, b2]);
  const m = await startMaster(t, port, [b1, b2]);
  assert.equal(readFileSync(m.pidfile, 'utf8'), `${m.proc.pid}\n`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
  t.after(() => agent.destroy());
  let ok = 0;
  const failures: string[] = [];
  let running = true;
  const MAX_PER_CLIENT = 50_000;
  const client = async () => {
    for (let i = 0; running && i < MAX_PER_CLIENT; i++) {
      try {
        await get(port, agent);
        ok++;
      } catch (err) {
        failures.push(String(err));
      }
    }
  };
  const clients = Array.from({ length: 50 }, client);
  const PHASE_MS = 2_500;
  const phase = async (what: string) => {
    const [start, from] = [Date.now(), ok];
    await until(what, () => ok > from + 200 && Date.now() - start >= PHASE_MS);
  };
  const good = readFileSync(m.cfgPath, 'utf8');
  try {
    await phase('steady load');
    m.proc.kill('SIGUSR2');
    await until('reload 1', () => countOf(m.output(), 'Loading success.') === 2);
    await phase('load after reload 1');
    writeFileSync(m.cfgPath, good.replace('default_backend app', 'default_backend app\n  bogus-keyword 1'));
    m.proc.kill('SIGUSR2');
    await until('the broken reload', () => m.output().includes('Loading failure!'));
    writeFileSync(m.cfgPath, good);
    await phase('load after the broken reload');
    m.proc.kill('SIGUSR2');
    await until('reload 3', () => countOf(m.output(), 'Loading success.') === 3);
    await phase('load after reload 3');
  } finally {
    running = false;
    await Promise.all(clients);
  }
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed of ${ok + failures.length}\n${m.output()}`);
  const out = m.output();
  assert.match(out, /\[ALERT\] +\(\d+\) : config : parsing \[.*:\d+\] : unknown keyword 'bogus-keyword'/);
  assert.equal(countOf(out, 'Loading failure!'), 1);
  assert.equal(workerPids(out).length, 6);

  // The clients leave; their idle keep-alive connections close with them.
  agent.destroy();
  m.proc.kill('SIGUSR1');
  const { code } = await m.exited;
  assert.equal(code, 0, m.output());
  assert.match(m.output(), /All workers exited\. Exiting\.\.\. \(0\)/);
  assert.equal(existsSync(m.pidfile), false);
  await until('no worker left', () => workerPids(m.output()).every((p) => !alive(p)), 10_000);
});

