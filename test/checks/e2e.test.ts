// End to end through the real binary: health checks take a dead server out of rotation and
// bring it back; DRAIN / MAINT / READY from the stats page under a steady client load.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { freePorts } from '../helpers/ports.js';
import { startSwitchyard } from '../helpers/switchyard.js';

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function request(port: number, path = '/', method = 'GET', body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, agent: false, headers: body ? { 'content-type': 'application/x-www-form-urlencoded' } : {} }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('client timeout')));
    req.end(body);
  });
}

/** A backend answering its name; `/slow` answers after `slowMs`. Counts arrivals and in-flight. */
function backend(name: string, slowMs = 1000) {
  const stats = { arrivals: 0, inflight: 0 };
  const srv = http.createServer((req, res) => {
    stats.arrivals++;
    stats.inflight++;
    res.on('close', () => stats.inflight--);
    if (req.url === '/slow') setTimeout(() => res.end(name), slowMs);
    else res.end(name);
  });
  srv.keepAliveTimeout = 500;
  return {
    stats,
    listen: (port: number) => new Promise<void>((r) => srv.listen(port, '127.0.0.1', () => r())),
    close: () => {
      srv.closeAllConnections();
      return new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

async function csvRow(statsPort: number, px: string, sv: string): Promise<Record<string, string>> {
  const { body } = await request(statsPort, '/stats;csv');
  const lines = body.trim().split('\n');
  const head = lines[0]!.replace(/^# /, '').split(',');
  const row = lines.map((l) => l.split(',')).find((f) => f[0] === px && f[1] === sv)!;
  return Object.fromEntries(head.map((h, i) => [h, row[i] ?? '']));
}

function config(pFe: number, pStats: number, p1: number, p2: number): string {
  return `defaults
  mode http
  timeout connect 1s
  timeout client 10s
  timeout server 10s
frontend fe
  bind 127.0.0.1:${pFe}
  default_backend app
backend app
  option redispatch
  retries 3
  server web1 127.0.0.1:${p1} check inter 100 rise 2 fall 2
  server web2 127.0.0.1:${p2} check inter 100 rise 2 fall 2
listen stats
  bind 127.0.0.1:${pStats}
  stats enable
  stats uri /stats
  stats admin if TRUE
`;
}

test('a killed server goes DOWN after fall checks, takes no traffic, and returns after rise', async (t) => {
  const [pFe, pStats, p1, p2] = await freePorts(4);
  const web1 = backend('web1');
  let web2 = backend('web2');
  await web1.listen(p1!);
  await web2.listen(p2!);
  const sy = await startSwitchyard(config(pFe!, pStats!, p1!, p2!), [pFe!, pStats!]);
  t.after(async () => {
    await sy.stop();
    await Promise.all([web1.close(), web2.close()]);
  });
  const seen = new Set<string>();
  for (let i = 0; i < 10; i++) seen.add((await request(pFe!)).body);
  assert.deepEqual(seen, new Set(['web1', 'web2']));

  await web2.close();
  await until(async () => (await csvRow(pStats!, 'app', 'web2')).status === 'DOWN', 'web2 DOWN in the CSV');
  const row = await csvRow(pStats!, 'app', 'web2');
  assert.equal(row.check_status, 'L4CON');
  assert.equal(row.chkdown, '1');
  assert.equal(row.last_chk, 'Connection refused');
  for (let i = 0; i < 30; i++) {
    const r = await request(pFe!);
    assert.deepEqual([r.status, r.body], [200, 'web1'], `request ${i} while web2 is DOWN`);
  }
  assert.match(sy.output(), /Server app\/web2 is DOWN, reason: Layer4 connection problem, info: "Connection refused"/);

  web2 = backend('web2');
  await web2.listen(p2!);
  await until(async () => (await csvRow(pStats!, 'app', 'web2')).status === 'UP', 'web2 UP again');
  const back = new Set<string>();
  for (let i = 0; i < 10; i++) back.add((await request(pFe!)).body);
  assert.deepEqual(back, new Set(['web1', 'web2']));
});

test('DRAIN under load: in-flight requests finish, nothing new arrives; then MAINT; READY brings it back; zero failures', async (t) => {
  const [pFe, pStats, p1, p2] = await freePorts(4);
  const web1 = backend('web1');
  const web2 = backend('web2');
  await web1.listen(p1!);
  await web2.listen(p2!);
  const sy = await startSwitchyard(config(pFe!, pStats!, p1!, p2!), [pFe!, pStats!]);
  t.after(async () => {
    await sy.stop();
    await Promise.all([web1.close(), web2.close()]);
  });
  const admin = (action: string) => request(pStats!, '/stats', 'POST', `s=web2&action=${action}&b=app`);

  // A bounded client loop: 4 workers, at most 50000 requests or 30 s.
  let stop = false;
  let sent = 0;
  const failures: string[] = [];
  const deadline = Date.now() + 30_000;
  const worker = async () => {
    while (!stop && sent < 50_000 && Date.now() < deadline) {
      sent++;
      try {
        const r = await request(pFe!);
        if (r.status !== 200) failures.push(`status ${r.status}`);
      } catch (e) {
        failures.push(String(e));
      }
    }
  };
  const load = Promise.all([worker(), worker(), worker(), worker()]);
  t.after(() => {
    stop = true;
    return load;
  });
  await until(() => web2.stats.arrivals > 20, 'load reaching web2');

  const slow = Array.from({ length: 6 }, () => request(pFe!, '/slow'));
  await until(() => web2.stats.inflight > 0, 'a slow request in flight on web2');
  assert.ok((await admin('drain')).status < 400);
  await new Promise((r) => setTimeout(r, 100));
  const atDrain = web2.stats.arrivals;
  const slowDone = await Promise.all(slow);
  assert.ok(slowDone.every((r) => r.status === 200), 'requests in flight at DRAIN complete');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(web2.stats.arrivals, atDrain, 'no new request reaches a drained server');
  await until(async () => (await csvRow(pStats!, 'app', 'web2')).scur === '0', 'web2 sessions at 0');
  assert.equal((await csvRow(pStats!, 'app', 'web2')).status, 'DRAIN');

  assert.ok((await admin('maint')).status < 400);
  await until(async () => (await csvRow(pStats!, 'app', 'web2')).status === 'MAINT', 'MAINT');
  assert.equal(web2.stats.arrivals, atDrain);

  assert.ok((await admin('ready')).status < 400);
  await until(async () => {
    const r = await request(pFe!);
    if (r.status !== 200) failures.push(`status ${r.status}`);
    return web2.stats.arrivals > atDrain + 10;
  }, 'web2 back in rotation');
  stop = true;
  await load;
  assert.deepEqual(failures, [], `failed requests out of ${sent}`);
});

test('option httpchk: a backend answering 500 shows DOWN with L7STS; an agent answering drain shows DRAIN (agent)', async (t) => {
  const [pFe, pStats, p1, p2, pAgent] = await freePorts(5);
  const failing = http.createServer((_q, r) => r.writeHead(500).end());
  const healthy = http.createServer((_q, r) => r.end('ok'));
  const agent = net.createServer((s) => {
    s.on('error', () => {});
    s.end('drain\n');
  });
  await Promise.all([[failing, p1], [healthy, p2], [agent, pAgent]].map(([srv, port]) =>
    new Promise<void>((r) => (srv as net.Server).listen(port as number, '127.0.0.1', () => r()))));
  const sy = await startSwitchyard(`defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend fe
  bind 127.0.0.1:${pFe}
  default_backend app
backend app
  option httpchk GET /health
  server web1 127.0.0.1:${p1} check inter 100 rise 2 fall 2
  server web2 127.0.0.1:${p2} check inter 100 agent-check agent-port ${pAgent} agent-inter 100
listen stats
  bind 127.0.0.1:${pStats}
  stats enable
  stats uri /stats
`, [pFe!, pStats!]);
  t.after(async () => {
    await sy.stop();
    for (const s of [failing, healthy]) s.closeAllConnections();
    await Promise.all([failing, healthy, agent].map((s) => new Promise((r) => s.close(r))));
  });
  await until(async () => (await csvRow(pStats!, 'app', 'web1')).status === 'DOWN', 'web1 DOWN');
  const web1 = await csvRow(pStats!, 'app', 'web1');
  assert.deepEqual([web1.check_status, web1.check_code, web1.last_chk], ['L7STS', '500', 'Internal Server Error']);
  await until(async () => (await csvRow(pStats!, 'app', 'web2')).status === 'DRAIN (agent)', 'web2 DRAIN (agent)');
  assert.equal((await csvRow(pStats!, 'app', 'BACKEND')).status, 'DOWN');
  assert.equal((await request(pFe!)).status, 503);
});
