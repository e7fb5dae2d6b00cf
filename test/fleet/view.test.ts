import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createControl } from '../../src/control/commands.js';
import type { Runtime } from '../../src/core/runtime.js';
import { defaultCacheFile, FleetMember } from '../../src/fleet/member.js';
import { buildFleetView, fleetInfo, renderFleetText, showFleet } from '../../src/fleet/view.js';
import { fleetOf, joinFleet } from '../../src/fleet/index.js';
import { buildSnapshot } from '../../src/stats/snapshot.js';
import { renderJson } from '../../src/stats/json.js';
import { BASE, recordingLog, runtimeFrom } from '../core/fixture.js';
import { startEtcd } from './etcd-server.js';

const cfg = (extra = '') => `${BASE}backend app
  server web1 127.0.0.1:18081
  server web2 127.0.0.1:18082
${extra}frontend fe
  bind 127.0.0.1:18080
  default_backend app
`;

/** Serves the runtime's real `;json` rows at /stats;json, with basic auth admin:pw. */
async function statsServer(rt: Runtime): Promise<{ url: string; close(): Promise<void> }> {
  const srv = http.createServer((req, res) => {
    if (req.headers.authorization !== `Basic ${Buffer.from('admin:pw').toString('base64')}`) {
      res.writeHead(401).end();
      return;
    }
    if (req.url !== '/stats;json') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(renderJson(buildSnapshot(rt, Date.now())));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/stats`, close: () => new Promise((r) => {
    srv.close(() => r());
    srv.closeAllConnections();
  }) };
}

test('fleet view: live instances, per-server state side by side from peers\' ;json, backend totals, drift flagged; show fleet text', async (t) => {
  const etcd = await startEtcd();
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-fleet-view-'));
  const prefix = '/sy/view';
  const members: FleetMember[] = [];
  const closers: (() => Promise<void>)[] = [];
  t.after(async () => {
    for (const m of members) await m.stop();
    for (const c of closers) await c();
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const rts: Runtime[] = [];
  for (const [name, extra] of [['a', ''], ['b', ''], ['c', '  server web3 127.0.0.1:18083\n']] as const) {
    const rt = runtimeFrom(cfg(extra));
    const log = recordingLog();
    const stats = await statsServer(rt);
    closers.push(stats.close);
    const m = new FleetMember(rt, createControl(rt, log), log, {
      endpoints: [etcd.url], prefix, node: name, statsUrl: stats.url, statsAuth: 'admin:pw', cacheFile: path.join(dir, `${name}.json`),
    });
    await m.prepare();
    m.start();
    members.push(m);
    rts.push(rt);
  }
  const [a] = members;
  // Distinct traffic figures per instance, so totals are sums of different numbers.
  rts.forEach((rt, i) => {
    rt.backend('app')!.serversByName.get('web1')!.counters.stot = 10 * (i + 1);
    rt.backend('app')!.beCounters.stot = 100 * (i + 1);
  });
  createControl(rts[1]!, recordingLog()).serverAction(rts[1]!.backend('app')!.serversByName.get('web1')!, 'drain', { via: 'socket' });

  let view = await buildFleetView(a!);
  const deadline = Date.now() + 10_000;
  while (view.instances.length < 3 || view.servers[0]?.byNode.some((f) => f?.status !== 'DRAIN')) {
    if (Date.now() > deadline) throw new Error(`view did not settle: ${renderFleetText(view)}`);
    await new Promise((r) => setTimeout(r, 50));
    view = await buildFleetView(a!);
  }
  assert.deepEqual(view.instances.map((i) => [i.node, i.error]), [['a', undefined], ['b', undefined], ['c', undefined]]);
  assert.deepEqual(view.servers.map((s) => s.name), ['app/web1', 'app/web2', 'app/web3']);
  assert.deepEqual(view.servers[0]!.byNode.map((f) => [f?.status, f?.stot]), [['DRAIN', 10], ['DRAIN', 20], ['DRAIN', 30]]);
  assert.deepEqual(view.servers[2]!.byNode.map((f) => f?.status), [undefined, undefined, 'no check']);
  assert.equal(view.backends[0]!.name, 'app');
  assert.equal(view.backends[0]!.total.stot, 600);
  assert.deepEqual(view.drift, [{ name: 'app/web3', presentOn: ['c'], missingOn: ['a', 'b'] }]);

  const text = await showFleet(a);
  assert.match(text, /^# fleet prefix \/sy\/view node a link up/);
  assert.match(text, /# instances: 3 alive/);
  assert.match(text, /^app\/web1 a: DRAIN w1 cur0 tot10 \| b: DRAIN w1 cur0 tot20 \| c: DRAIN w1 cur0 tot30$/m);
  assert.match(text, /^app total cur0 tot600 /m);
  assert.match(text, /^app\/web3 known to c missing on a,b$/m);
  assert.equal(await showFleet(undefined), 'Fleet not configured (no "fleet" line in global).\n');

  // A peer whose stats cannot be read is still listed, with the reason.
  await closers.pop()!();
  view = await buildFleetView(a!);
  assert.equal(view.instances[2]!.node, 'c');
  assert.match(view.instances[2]!.error ?? '', /ECONNREFUSED|socket hang up|ECONNRESET/);
  assert.equal(view.servers[0]!.byNode[2], undefined);
});

test('joinFleet: from a parsed `fleet` line, registered for the runtime, stats address from the stats listener', async (t) => {
  const etcd = await startEtcd();
  const rt = runtimeFrom(`global
  node edge-1
  fleet etcd ${etcd.url},http://127.0.0.1:1 prefix /sy/join
${cfg()}listen stats
  bind 127.0.0.1:18404
  mode http
  stats enable
  stats uri /stats
  stats auth admin:pw
`);
  const member = await joinFleet(rt, recordingLog());
  t.after(async () => {
    await member?.stop();
    await etcd.stop();
    rmSync(defaultCacheFile('/sy/join', 'edge-1'), { force: true });
  });
  assert.ok(member);
  assert.equal(fleetOf(rt), member);
  assert.equal(member.status().link, 'up');
  assert.deepEqual(fleetInfo(member.status()), [['Fleet', '/sy/join'], ['FleetNode', 'edge-1'], ['FleetLink', 'up'], ['FleetNotShared', '']]);
  let members = await member.members();
  for (const deadline = Date.now() + 10_000; members.length === 0 && Date.now() < deadline; members = await member.members()) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(members.map((m) => [m.node, m.statsUrl]), [['edge-1', 'http://127.0.0.1:18404/stats']]);
  assert.equal(await joinFleet(runtimeFrom(cfg()), recordingLog()), undefined);
});
