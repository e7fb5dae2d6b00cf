// nbthread 2 through the stats page: the page shows the whole process (stot summed over
// both workers equals what the test sent) and a DRAIN posted to whichever worker answers
// stops traffic to that server from both.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { freePorts } from '../helpers/ports.js';
import { startSwitchyard } from '../helpers/switchyard.js';

function get(port: number, path: string, agent?: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

function post(port: number, path: string, form: string): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end(form);
  });
}

function csvField(csv: string, px: string, sv: string, column: string): string {
  const lines = csv.trim().split('\n');
  const cols = lines[0].slice(2).split(',');
  const row = lines.find((l) => l.startsWith(`${px},${sv},`));
  assert.ok(row, `no row ${px}/${sv} in\n${csv}`);
  return row.split(',')[cols.indexOf(column)];
}

test('nbthread 2: stats CSV sums both workers; a DRAIN from the page stops traffic from both', async (t) => {
  const [fe, st, b1, b2] = await freePorts(4);
  const hits = { web1: 0, web2: 0 };
  for (const [name, port] of [['web1', b1], ['web2', b2]] as const) {
    const srv = http.createServer((_req, res) => {
      hits[name]++;
      res.end(name);
    });
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
    t.after(() => {
      srv.closeAllConnections();
      srv.close();
    });
  }
  const sy = await startSwitchyard(
    `global
    nbthread 2
defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 5s
frontend web
    bind 127.0.0.1:${fe}
    default_backend app
backend app
    server web1 127.0.0.1:${b1}
    server web2 127.0.0.1:${b2}
listen stats
    bind 127.0.0.1:${st}
    stats enable
    stats uri /stats
    stats admin if LOCALHOST
`,
    [fe, st],
    ['-W'],
  );
  t.after(() => sy.stop());

  // New connection per request, so the kernel spreads them over both workers.
  const sent = 60;
  for (let i = 0; i < sent; i++) assert.equal((await get(fe, '/', new http.Agent({ keepAlive: false }))).status, 200);
  const csv = (await get(st, '/stats;csv')).body;
  // +1: startSwitchyard's readiness probe is one connection to the frontend.
  assert.equal(Number(csvField(csv, 'web', 'FRONTEND', 'stot')), sent + 1);
  assert.equal(Number(csvField(csv, 'app', 'BACKEND', 'stot')), sent);
  assert.equal(Number(csvField(csv, 'app', 'web1', 'stot')) + Number(csvField(csv, 'app', 'web2', 'stot')), sent);

  const res = await post(st, '/stats', 's=web1&action=drain&b=app');
  assert.equal(res.status, 303);
  assert.match(res.location ?? '', /;st=DONE/);
  // The change reaches the other worker through the master; wait until both report it.
  const deadline = Date.now() + 5000;
  for (;;) {
    const views = await Promise.all([1, 2, 3, 4].map(() => get(st, '/stats;csv', new http.Agent({ keepAlive: false }))));
    if (views.every((v) => csvField(v.body, 'app', 'web1', 'status') === 'DRAIN')) break;
    assert.ok(Date.now() < deadline, 'DRAIN did not reach every worker');
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 200));
  const before = hits.web1;
  for (let i = 0; i < 40; i++) assert.equal((await get(fe, '/', new http.Agent({ keepAlive: false }))).body, 'web2');
  assert.equal(hits.web1, before);
});
