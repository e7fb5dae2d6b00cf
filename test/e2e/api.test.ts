// The runtime API and the Prometheus exporter of the real binary, driven by real clients:
// socat on the admin and user sockets, a raw prompt-mode session, Debian's
// prometheus-haproxy-exporter on the socket, and /metrics read by a Prometheus text parser.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { freePort } from '../helpers/ports.js';
import { startSwitchyard, type Running } from '../helpers/switchyard.js';
import { seedOnFreePorts, statsCsv, until, type Seed } from '../stats/seed.js';
import { csvField, socat } from './api-helpers.js';

let seed: Seed;
let sy: Running;
let adminSock: string;
let userSock: string;

before(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-api-'));
  userSock = path.join(dir, 'user.sock');
  seed = await seedOnFreePorts((cfg) =>
    cfg
      .replace(/(stats socket \S+ mode 600 level admin\n)/, `$1    stats socket ${userSock} level user\n`)
      .replace('    default_backend app', '    http-request use-service prometheus-exporter if { path /metrics }\n    default_backend app'),
  );
  adminSock = /stats socket (\S+)/.exec(seed.cfg)![1]!;
  sy = await startSwitchyard(seed.cfg, [seed.webPort, seed.statsPort]);
  await until('both servers UP', async () => {
    const csv = await socat(adminSock, 'show stat\n');
    return csvField(csv, 'app', 'web1', 'status') === 'UP' && csvField(csv, 'app', 'web2', 'status') === 'UP';
  });
});

after(async () => {
  await sy?.stop();
  await seed?.close();
});

async function hits(n: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const r = await fetch(`http://127.0.0.1:${seed.webPort}/`);
    const body = await r.text();
    seen.set(body, (seen.get(body) ?? 0) + 1);
  }
  return seen;
}

test('echo "show stat" | socat: the CSV header and rows of the stats page, ended by one empty line', async () => {
  const out = await socat(adminSock, 'show stat\n');
  assert.ok(out.endsWith(',\n\n'), JSON.stringify(out.slice(-20)));
  const page = await statsCsv(seed.statsPort);
  const lines = out.trimEnd().split('\n');
  assert.equal(lines[0], page.split('\n')[0]);
  assert.deepEqual(lines.slice(1).map((l) => l.split(',').slice(0, 2).join('/')), page.trimEnd().split('\n').slice(1).map((l) => l.split(',').slice(0, 2).join('/')));
  const multi = await socat(adminSock, 'show cli level; get weight app/web1\n');
  assert.equal(multi, 'admin\n\n1 (initial 1)\n\n');
});

test('a level user socket refuses set server with "Permission denied" and changes nothing', async () => {
  assert.equal(await socat(userSock, 'set server app/web1 state maint\n'), 'Permission denied\n\n');
  assert.equal(await socat(userSock, 'disable server app/web1\n'), 'Permission denied\n\n');
  assert.equal(await socat(userSock, 'show cli level\n'), 'user\n\n');
  const csv = await socat(adminSock, 'show stat\n');
  assert.equal(csvField(csv, 'app', 'web1', 'status'), 'UP');
  const seen = await hits(6);
  assert.ok((seen.get('web1') ?? 0) > 0, JSON.stringify([...seen]));
});

test('prompt mode: every reply ends with "\\n> ", the session stays until quit', async () => {
  const conn = net.connect(adminSock);
  let got = '';
  conn.on('data', (d: Buffer) => (got += d.toString('latin1')));
  const closed = new Promise<void>((r) => conn.on('close', () => r()));
  const waitFor = (suffix: string): Promise<string> => until(`reply ending ${JSON.stringify(suffix)}`, async () => got.endsWith(suffix) && got, 5000);
  try {
    conn.write('prompt\n');
    assert.equal(await waitFor('\n> '), '\n> ');
    got = '';
    conn.write('set timeout cli 60\n');
    assert.equal(await waitFor('\n> '), '\n> ');
    got = '';
    conn.write('show cli level\n');
    assert.equal(await waitFor('\n> '), 'admin\n\n> ');
    got = '';
    conn.write('show stat 3 -1 -1\n');
    const stat = await waitFor('\n\n> ');
    assert.deepEqual(stat.split('\n').slice(1, -2).map((l) => l.split(',')[1]), ['web1', 'web2', 'BACKEND']);
    conn.write('quit\n');
    await closed;
  } finally {
    conn.destroy();
  }
});

test('/metrics through the frontend: parsed by a Prometheus text parser; server status and sessions match the CSV', async () => {
  await hits(8);
  const csv = await socat(adminSock, 'show stat\n');
  const r = await fetch(`http://127.0.0.1:${seed.webPort}/metrics`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4');
  const text = await r.text();
  const families = parsePrometheusTextFormat(text);
  const names = families.map((f) => f.name);
  assert.equal(new Set(names).size, names.length, 'each family appears once');
  const family = (name: string) => {
    const f = families.find((x) => x.name === name);
    assert.ok(f, name);
    return f;
  };
  const sample = (name: string, labels: Record<string, string>): number => {
    const m = family(name).metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));
    assert.ok(m, `${name} ${JSON.stringify(labels)}`);
    return Number(m.value);
  };
  assert.equal(family('haproxy_server_sessions_total').type, 'COUNTER');
  assert.equal(family('haproxy_server_current_sessions').type, 'GAUGE');
  for (const sv of ['web1', 'web2']) {
    const status = csvField(csv, 'app', sv, 'status');
    assert.equal(status, 'UP');
    assert.equal(sample('haproxy_server_status', { proxy: 'app', server: sv, state: 'UP' }), 1);
    assert.equal(sample('haproxy_server_status', { proxy: 'app', server: sv, state: 'MAINT' }), 0);
    assert.equal(sample('haproxy_server_sessions_total', { proxy: 'app', server: sv }), Number(csvField(csv, 'app', sv, 'stot')), sv);
    assert.equal(sample('haproxy_server_current_sessions', { proxy: 'app', server: sv }), Number(csvField(csv, 'app', sv, 'scur')), sv);
    assert.equal(sample('haproxy_server_weight', { proxy: 'app', server: sv }), Number(csvField(csv, 'app', sv, 'weight')), sv);
  }
  assert.ok(sample('haproxy_server_sessions_total', { proxy: 'app', server: 'web1' }) >= 4);
  assert.equal(sample('haproxy_backend_sessions_total', { proxy: 'app' }), Number(csvField(csv, 'app', 'BACKEND', 'stot')));
  assert.equal(sample('haproxy_backend_status', { proxy: 'app', state: 'UP' }), 1);
  assert.equal(sample('haproxy_frontend_status', { proxy: 'web', state: 'UP' }), 1);
  assert.ok(sample('haproxy_process_uptime_seconds', {}) >= 0);
  assert.ok(sample('haproxy_frontend_http_responses_total', { proxy: 'web', code: '2xx' }) >= 8);
  const servers = await (await fetch(`http://127.0.0.1:${seed.webPort}/metrics?scope=server`)).text();
  assert.deepEqual([...new Set(parsePrometheusTextFormat(servers).map((f) => f.name.split('_')[1]))], ['server']);
});

test('prometheus-haproxy-exporter reads the unix socket: every row parsed, servers up', async () => {
  const port = await freePort();
  const exporter = spawn('prometheus-haproxy-exporter', [`--haproxy.scrape-uri=unix:${adminSock}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  try {
    const text = await until('exporter metrics', async () => {
      const r = await fetch(`http://127.0.0.1:${port}/metrics`);
      const t = await r.text();
      return /^haproxy_up 1$/m.test(t) && t;
    });
    assert.match(text, /^haproxy_exporter_csv_parse_failures(_total)? 0$/m);
    assert.match(text, /^haproxy_server_up\{backend="app",server="web1"\} 1$/m);
    assert.match(text, /^haproxy_server_up\{backend="app",server="web2"\} 1$/m);
    assert.match(text, /^haproxy_backend_up\{backend="app"\} 1$/m);
    assert.match(text, /^haproxy_frontend_bytes_in_total\{frontend="web"\} \d+/m);
    assert.match(text, /^haproxy_version_info\{release_date="[^"]+",version="2\.6\.[^"]+"\} 1$/m);
  } finally {
    exporter.kill('SIGKILL');
  }
});

test('set server app/web1 state drain over the socket: DRAIN on the page and in the CSV, traffic stops reaching web1', async () => {
  assert.equal(await socat(adminSock, 'set server app/web1 state drain\n'), '\n');
  try {
    assert.equal(csvField(await socat(adminSock, 'show stat\n'), 'app', 'web1', 'status'), 'DRAIN');
    assert.equal(csvField(await statsCsv(seed.statsPort), 'app', 'web1', 'status'), 'DRAIN');
    const seen = await hits(10);
    assert.deepEqual([...seen], [['web2', 10]]);
    assert.match(await socat(adminSock, 'show servers state app\n'), /^3 app 1 web1 127\.0\.0\.1 2 8 /m);
  } finally {
    await socat(adminSock, 'set server app/web1 state ready\n');
  }
  assert.equal(csvField(await socat(adminSock, 'show stat\n'), 'app', 'web1', 'status'), 'UP');
});
