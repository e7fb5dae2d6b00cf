// Debian HAProxy 2.6 and our renderer with the real check scheduler, on the same config: same rows, same columns, the same
// cells left empty, and the same state values (status, weights, check results, ids).

import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/ports.js';
import { serveStats } from './harness.js';
import { assertSameCsvShape } from '../helpers/csv-compare.js';

const HAPROXY = '/usr/sbin/haproxy';
const AUTH = 'Basic ' + Buffer.from('admin:admin888').toString('base64');

async function getCsv(port: number): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}/stats;csv;norefresh`, { headers: { authorization: AUTH } });
  return r.text();
}

const bothL7 = (csv: string) =>
  ['web1', 'web2'].every((s) => new RegExp(`^app,${s},(?:[^,]*,){15}UP,(?:[^,]*,){18}L7OK,200,`, 'm').test(csv)) &&
  /^bt,s1,(?:[^,]*,){15}UP,(?:[^,]*,){18}L4OK,/m.test(csv);

const SAME_VALUE = ['pxname', 'svname', 'status', 'weight', 'act', 'bck', 'pid', 'iid', 'sid', 'type', 'slim', 'check_status', 'check_code', 'check_desc', 'last_chk', 'check_rise', 'check_fall', 'check_health', 'mode', 'uweight', 'addr', 'cookie', 'algo', 'tracked', 'qlimit', 'rate_lim'];

function assertSameShape(oursCsv: string, theirs: string): void {
  assertSameCsvShape(oursCsv, theirs, SAME_VALUE);
}

async function runHaproxy(t: { after(f: () => void): void }, cfg: string, statsPort: number, ready: (csv: string) => boolean): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-hap-'));
  writeFileSync(path.join(dir, 'haproxy.cfg'), cfg.replace('@SOCK@', `${dir}/admin.sock`));
  const hap = spawn(HAPROXY, ['-db', '-f', path.join(dir, 'haproxy.cfg')], { stdio: 'ignore' });
  t.after(() => {
    hap.kill('SIGKILL');
  });
  return waitCsv(statsPort, ready);
}

async function waitCsv(port: number, ready: (csv: string) => boolean): Promise<string> {
  let csv = '';
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    csv = await getCsv(port).catch(() => '');
    if (ready(csv)) return csv;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`CSV on port ${port} never got ready:\n${csv}`);
}

async function httpBackends(t: { after(f: () => void): void }, n: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const srv = http.createServer((_q, s) => s.end('ok'));
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      t.after(() => srv.close());
      return (srv.address() as { port: number }).port;
    }),
  );
}

test('backup, no check, track, disabled, maxconn, cookie and show-legends rows agree with Debian haproxy', async (t) => {
  const [b1, b2] = await httpBackends(t, 2);
  const [webPort, statsPort] = [await freePort(), await freePort()];
  const cfg = `
global
    maxconn 4000
    stats socket @SOCK@ level admin
defaults
    mode http
    timeout connect 5s
    timeout client  30s
    timeout server  30s
frontend web2
    bind 127.0.0.1:${webPort}
    default_backend app2
backend app2
    balance leastconn
    cookie SRV insert indirect nocache
    option httpchk GET /
    server s1 127.0.0.1:${b1} check inter 1s cookie c1
    server s2 127.0.0.1:${b2} check inter 1s backup
    server s3 127.0.0.1:${b2} maxconn 30 maxqueue 4 weight 7
    server s4 127.0.0.1:1 check inter 1s
    server s6 127.0.0.1:${b1} track app2/s1
    server s7 127.0.0.1:${b1} check disabled
listen stats2
    bind 127.0.0.1:${statsPort}
    stats enable
    stats uri /stats
    stats auth admin:admin888
    stats show-legends
    stats admin if FALSE
`;
  const ready = (csv: string) =>
    /^app2,s1,(?:[^,]*,){15}UP,(?:[^,]*,){18}L7OK,/m.test(csv) && /^app2,s2,(?:[^,]*,){15}UP,(?:[^,]*,){18}L7OK,/m.test(csv) &&
    /^app2,s4,(?:[^,]*,){15}DOWN,(?:[^,]*,){18}L4CON,/m.test(csv);
  const theirs = await runHaproxy(t, cfg, statsPort, ready);
  const ours = await serveStats(cfg.replace('@SOCK@', '/tmp/switchyard-unused.sock'), { checks: true });
  t.after(() => ours.close());
  assertSameShape(await waitCsv(ours.port, ready), theirs);
});

test('same config under Debian haproxy and Switchyard: same CSV rows, columns and empty cells, http and tcp proxies', async (t) => {
  const backends = await httpBackends(t, 2);
  const [webPort, statsPort, tcpPort] = [await freePort(), await freePort(), await freePort()];
  const cfg = `
global
    maxconn 4000
    stats socket @SOCK@ level admin
defaults
    mode http
    timeout connect 5s
    timeout client  30s
    timeout server  30s
frontend web
    bind 127.0.0.1:${webPort}
    default_backend app
backend app
    balance roundrobin
    option httpchk GET /
    server web1 127.0.0.1:${backends[0]} check inter 1s rise 2 fall 3
    server web2 127.0.0.1:${backends[1]} check inter 1s rise 2 fall 3 maxconn 50 maxqueue 7
frontend ft
    mode tcp
    bind 127.0.0.1:${tcpPort}
    default_backend bt
backend bt
    mode tcp
    server s1 127.0.0.1:${backends[0]} check inter 1s
    server s2 127.0.0.1:${backends[1]}
listen stats
    bind 127.0.0.1:${statsPort}
    mode http
    stats enable
    stats uri /stats
    stats refresh 5s
    stats realm HAProxy\\ Statistics
    stats auth admin:admin888
    stats admin if TRUE
`;
  const theirs = await runHaproxy(t, cfg, statsPort, bothL7);
  const ours = await serveStats(cfg.replace('@SOCK@', '/tmp/switchyard-unused.sock'), { checks: true });
  t.after(() => ours.close());
  assertSameShape(await waitCsv(ours.port, bothL7), theirs);
});
