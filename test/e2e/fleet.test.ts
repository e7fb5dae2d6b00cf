// Three real Switchyard instances sharing one etcd prefix: operator changes made on one instance's
// page or socket reach the others' CSV and traffic within 1 s; etcd outages do not fail requests.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/ports.js';
import { startSwitchyard, type Running } from '../helpers/switchyard.js';
import { ADMIN, csvStatus, seedOnFreePorts, statsCsv, until, type Seed } from '../stats/seed.js';
import { EtcdClient } from '../../src/fleet/etcd.js';
import { defaultCacheFile } from '../../src/fleet/member.js';
import { startEtcd, type EtcdServer } from '../fleet/etcd-server.js';

interface Instance {
  node: string;
  webPort: number;
  statsPort: number;
  sock: string;
  cfg: string;
  sy?: Running;
}

async function instance(node: string, seed: Seed, etcd: EtcdServer, prefix: string): Promise<Instance> {
  const webPort = await freePort();
  const statsPort = await freePort();
  const sock = path.join(tmpdir(), `switchyard-fleet-${process.pid}-${node}.sock`);
  const cfg = `global
    node ${node}
    stats socket ${sock} mode 600 level admin
    fleet etcd ${etcd.url} prefix ${prefix}

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
    server web1 127.0.0.1:${seed.web1.port}
    server web2 127.0.0.1:${seed.web2.port}

listen stats
    bind 127.0.0.1:${statsPort}
    mode http
    stats enable
    stats uri /stats
    stats auth admin:admin888
    stats admin if LOCALHOST
`;
  return { node, webPort, statsPort, sock, cfg };
}

async function start(i: Instance): Promise<Running> {
  i.sy = await startSwitchyard(i.cfg, [i.statsPort, i.webPort]);
  return i.sy;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** One request over kept-alive connections (closed in each test's cleanup before the instances stop). */
function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function postAction(i: Instance, action: string): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${i.statsPort}/stats`, {
    method: 'POST', redirect: 'manual',
    headers: { authorization: ADMIN, 'content-type': 'application/x-www-form-urlencoded' },
    body: `s=web1&action=${action}&b=app`,
  });
  return r.status;
}

function socketCmd(sock: string, cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(sock);
    let out = '';
    c.on('connect', () => c.end(`${cmd}\n`));
    c.on('data', (d) => (out += d));
    c.on('end', () => resolve(out));
    c.on('error', reject);
  });
}

async function web1Status(i: Instance): Promise<string | undefined> {
  return csvStatus(await statsCsv(i.statsPort), 'app', 'web1');
}

/** Polls until every instance's CSV shows `want` for app/web1; returns the slowest time in ms. */
async function allShow(insts: Instance[], want: string): Promise<number> {
  const t0 = Date.now();
  await until(`web1 ${want} on ${insts.map((i) => i.node).join(',')}`, async () => {
    for (const i of insts) if ((await web1Status(i)) !== want) return false;
    return true;
  }, 10_000);
  return Date.now() - t0;
}

function cleanup(insts: Instance[], prefix: string): void {
  for (const i of insts) {
    rmSync(i.sock, { force: true });
    rmSync(defaultCacheFile(prefix, i.node), { force: true });
  }
}

test('fleet e2e: drain/maint/ready on A\'s page and drain on B\'s socket reach all three within 1 s, in CSV and in traffic', async (t) => {
  const etcd = await startEtcd();
  const seed = await seedOnFreePorts();
  const prefix = `/switchyard/e2e-${process.pid}-1`;
  const insts = [await instance('a', seed, etcd, prefix), await instance('b', seed, etcd, prefix), await instance('c', seed, etcd, prefix)];
  t.after(async () => {
    // Idle kept-alive client connections would hold a graceful stop until timeout client.
    agent.destroy();
    for (const i of insts) await i.sy?.stop();
    await seed.close();
    await etcd.stop();
    cleanup(insts, prefix);
  });
  for (const i of insts) await start(i);
  const [a, b, c] = insts as [Instance, Instance, Instance];
  await allShow(insts, 'no check');

  assert.equal(await postAction(a, 'drain'), 303);
  const ms = await allShow(insts, 'DRAIN');
  assert.ok(ms < 1000, `DRAIN everywhere after ${ms} ms`);
  t.diagnostic(`DRAIN seen in all three CSVs ${ms} ms after the POST`);
  for (const i of [b, c]) {
    for (let n = 0; n < 6; n++) assert.equal(await get(i.webPort), 'web2');
  }

  assert.equal(await postAction(a, 'maint'), 303);
  assert.ok((await allShow(insts, 'MAINT')) < 1000);
  assert.equal(await postAction(a, 'ready'), 303);
  assert.ok((await allShow(insts, 'no check')) < 1000);
  const seen = new Set<string>();
  for (let n = 0; n < 6; n++) seen.add(await get(c.webPort));
  assert.deepEqual([...seen].sort(), ['web1', 'web2']);

  assert.equal(await socketCmd(b.sock, 'set server app/web1 state drain'), '\n');
  assert.ok((await allShow(insts, 'DRAIN')) < 1000);
  for (let n = 0; n < 6; n++) assert.equal(await get(a.webPort), 'web2');

  // One view from any instance's socket: three live instances, web1 DRAIN on each.
  const fleet = await socketCmd(c.sock, 'show fleet');
  assert.match(fleet, /# instances: 3 alive/);
  const web1Line = fleet.split('\n').find((l) => l.startsWith('app/web1 '));
  assert.equal(web1Line?.match(/DRAIN/g)?.length, 3, fleet);
  assert.match(await socketCmd(a.sock, 'show info'), /\nFleetLink: up\n/);
  // The same view on any instance's page, names escaped, one column per instance.
  const view = await (await fetch(`http://127.0.0.1:${b.statsPort}/stats;fleet`, { headers: { authorization: ADMIN, connection: 'close' } })).text();
  assert.match(view, /<h2>Instances \(3 alive\)<\/h2>/);
  const row = view.split('<tr>').find((r) => r.startsWith('<td>app/web1</td>'));
  assert.equal(row?.match(/class="DRAIN"/g)?.length, 3, view);
  assert.match(view, /none: every instance has the same backends and servers/);
});

test('fleet e2e: under load etcd is killed and restarted — zero failed requests, outage changes converge, a restarted instance serves with the last known state; a killed instance leaves the member list', async (t) => {
  const etcd = await startEtcd();
  const seed = await seedOnFreePorts();
  const prefix = `/switchyard/e2e-${process.pid}-2`;
  const insts = [await instance('a', seed, etcd, prefix), await instance('b', seed, etcd, prefix), await instance('c', seed, etcd, prefix)];
  const client = new EtcdClient([etcd.url]);
  let loading = true;
  t.after(async () => {
    loading = false;
    agent.destroy();
    for (const i of insts) await i.sy?.stop();
    client.close();
    await seed.close();
    await etcd.stop();
    cleanup(insts, prefix);
  });
  for (const i of insts) await start(i);
  const [a, b, c] = insts as [Instance, Instance, Instance];
  const members = async (): Promise<string[]> => (await client.range(`${prefix}/members/`, { prefix: true })).kvs.map((k) => JSON.parse(k.value).node as string);
  await until('three members', async () => (await members()).length === 3);
  assert.deepEqual(await members(), ['a', 'b', 'c']);

  // Steady load through a and b (c is restarted below), bounded in count and time.
  let ok = 0;
  const failures: string[] = [];
  const deadline = Date.now() + 40_000;
  const loop = async (port: number): Promise<void> => {
    for (let n = 0; n < 20_000 && loading && Date.now() < deadline; n++) {
      try {
        await get(port);
        ok++;
      } catch (e) {
        failures.push(String(e));
      }
    }
  };
  const load = Promise.all([loop(a.webPort), loop(b.webPort)]);

  assert.equal(await postAction(a, 'drain'), 303);
  await allShow(insts, 'DRAIN');

  await etcd.kill();
  // During the outage: b sets MAINT on its socket; c is restarted and must come back DRAIN before it serves.
  assert.equal(await socketCmd(b.sock, 'set server app/web1 state maint'), '\n');
  assert.equal(await web1Status(b), 'MAINT');
  // The fleet module notices local changes on its next scan (100 ms): poll for the report.
  let info = '';
  for (const deadline = Date.now() + 3000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    info = await socketCmd(b.sock, 'show info');
    if (info.includes('\nFleetNotShared: app/web1\n')) break;
  }
  assert.match(info, /\nFleetLink: down\n/);
  assert.match(info, /\nFleetNotShared: app\/web1\n/);
  // The page says so too (fetch's keep-alive pool is separate from the load's agent).
  const page = await (await fetch(`http://127.0.0.1:${b.statsPort}/stats`, { headers: { authorization: ADMIN, connection: 'close' } })).text();
  assert.match(page, /fleet link down/);
  assert.match(page, /not shared:<\/b> <span class="fleet-down">app\/web1</);
  assert.equal(await web1Status(a), 'DRAIN');
  await c.sy!.stop();
  await start(c);
  assert.equal(await web1Status(c), 'DRAIN');
  for (let n = 0; n < 4; n++) assert.equal(await get(c.webPort), 'web2');

  await etcd.restart();
  // b's outage change is the only write after the restart: revision order makes it win everywhere.
  await allShow(insts, 'MAINT');
  const okBefore = ok;
  await until('load continues', async () => ok > okBefore + 50);
  loading = false;
  await load;
  assert.deepEqual(failures, []);
  assert.ok(ok > 100, `requests served: ${ok}`);
  t.diagnostic(`${ok} requests across the etcd outage, ${failures.length} failed`);

  await until('three members again', async () => (await members()).length === 3);
  await c.sy!.stop('SIGKILL');
  const t0 = Date.now();
  await until('c gone after its lease', async () => !(await members()).includes('c'), 15_000);
  assert.ok(Date.now() - t0 < 10_000);
});
