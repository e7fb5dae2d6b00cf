import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createControl, exportOperatorState, type Control } from '../../src/control/commands.js';
import type { Runtime } from '../../src/core/runtime.js';
import { FleetMember } from '../../src/fleet/member.js';
import { BASE, recordingLog, runtimeFrom, type RecordingLog } from '../core/fixture.js';
import { startEtcd, type EtcdServer } from './etcd-server.js';

const CFG = `${BASE}backend app
  server web1 127.0.0.1:18081
  server web2 127.0.0.1:18082
frontend fe
  bind 127.0.0.1:18080
  default_backend app
`;

const page = { via: 'page' as const, user: 'admin' };

interface Node {
  name: string;
  rt: Runtime;
  control: Control;
  log: RecordingLog;
  fleet: FleetMember;
}

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<number> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - t0;
}

function admin(n: Node, server = 'web1'): string {
  const s = exportOperatorState(n.rt).find((x) => x.server === server)!;
  return s.maint ? 'MAINT' : s.drain ? 'DRAIN' : 'READY';
}

function weight(n: Node, server = 'web1'): number {
  return n.rt.backend('app')!.serversByName.get(server)!.state.weight;
}

function harness(etcd: EtcdServer, t: { after(fn: () => Promise<void>): void }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-fleet-'));
  const prefix = `/sy/${Math.random().toString(36).slice(2)}`;
  const nodes: Node[] = [];
  t.after(async () => {
    for (const n of nodes) await n.fleet.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    prefix,
    /** A member: prepared (state applied) then started, as the composition root does. */
    async join(name: string, cfg = CFG): Promise<Node> {
      const rt = runtimeFrom(cfg);
      const log = recordingLog();
      const control = createControl(rt, log);
      const fleet = new FleetMember(rt, control, log, {
        endpoints: [etcd.url], prefix, node: name, leaseTtl: 2, timeoutMs: 500,
        cacheFile: path.join(dir, `${name}.json`), statsUrl: `http://127.0.0.1:1/${name}`,
      });
      const n = { name, rt, control, log, fleet };
      nodes.push(n);
      await fleet.prepare();
      fleet.start();
      return n;
    },
    drop(n: Node): void {
      nodes.splice(nodes.indexOf(n), 1);
    },
  };
}

const s1 = (n: Node) => n.rt.backend('app')!.serversByName.get('web1')!;

test('fleet: drain, maint, ready and weight set on one member reach the others within 1 s, through control as actor fleet', async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  const h = harness(etcd, t);
  const [a, b, c] = [await h.join('a'), await h.join('b'), await h.join('c')];

  for (const [from, action, want] of [[a, 'drain', 'DRAIN'], [a, 'maint', 'MAINT'], [b, 'ready', 'READY'], [c, 'drain', 'DRAIN']] as const) {
    from.control.serverAction(s1(from), action, page);
    for (const n of [a, b, c]) {
      const ms = await until(() => admin(n) === want, `${n.name} ${want}`);
      assert.ok(ms < 1000, `${n.name} saw ${want} after ${ms} ms`);
    }
  }
  b.control.setWeight(s1(b), '7', page);
  await until(() => weight(a) === 7 && weight(c) === 7, 'weight 7 everywhere', 1000);
  assert.equal(admin(a, 'web2'), 'READY');
  assert.ok(a.log.messages().includes('Operator change: server app/web1 maint (via fleet, user a).') === false);
  assert.ok(b.log.messages().includes('Operator change: server app/web1 maint (via fleet, user a).'), b.log.messages().join('\n'));
  assert.ok(c.log.messages().includes('Operator change: server app/web1 weight 7 (via fleet, user b).'));
  // Applying a remote change does not echo it back: nothing left unshared, no extra writes.
  const rev = (await a.fleet.client.get(`${h.prefix}/state/app/web1`))!.modRevision;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await a.fleet.client.get(`${h.prefix}/state/app/web1`))!.modRevision, rev);
  for (const n of [a, b, c]) assert.deepEqual(n.fleet.status().notShared, []);
});

test('fleet: state set before an instance joins is applied in prepare, before it would serve', async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  const h = harness(etcd, t);
  const a = await h.join('a');
  a.control.serverAction(s1(a), 'maint', page);
  a.control.setWeight(a.rt.backend('app')!.serversByName.get('web2')!, '3', page);
  await until(async () => (await a.fleet.client.range(`${h.prefix}/state/`, { prefix: true })).kvs.length === 2, 'state written');
  const rt = runtimeFrom(CFG);
  const log = recordingLog();
  const cacheFile = path.join(tmpdir(), `switchyard-fleet-late-${process.pid}.json`);
  const late = new FleetMember(rt, createControl(rt, log), log, { endpoints: [etcd.url], prefix: h.prefix, node: 'late', cacheFile });
  t.after(async () => {
    await late.stop();
    rmSync(cacheFile, { force: true });
  });
  await late.prepare();
  const st = exportOperatorState(rt);
  assert.equal(st.find((x) => x.server === 'web1')!.maint, true);
  assert.equal(st.find((x) => x.server === 'web2')!.weight, 3);
  assert.equal(late.status().link, 'up');
});

test('fleet: etcd killed and restarted — members keep state, outage changes are "not shared" then converge by revision order, conflicts logged', async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  const h = harness(etcd, t);
  const [a, b, c] = [await h.join('a'), await h.join('b'), await h.join('c')];
  a.control.serverAction(s1(a), 'drain', page);
  await until(() => [a, b, c].every((n) => admin(n) === 'DRAIN'), 'drain shared', 1000);

  await etcd.kill();
  await until(() => [a, b, c].every((n) => n.fleet.status().link === 'down'), 'link down seen by all');
  for (const n of [a, b, c]) assert.equal(admin(n), 'DRAIN');
  assert.match(a.fleet.status().reason ?? '', /./);
  assert.ok(a.log.messages().some((m) => m.startsWith('Fleet link down:')));

  // During the outage: a sets web1 MAINT, b sets web1 READY (a conflict), c changes web2's weight.
  a.control.serverAction(s1(a), 'maint', page);
  b.control.serverAction(s1(b), 'ready', page);
  c.control.setWeight(c.rt.backend('app')!.serversByName.get('web2')!, '9', page);
  await until(() => a.fleet.status().notShared.includes('app/web1') && b.fleet.status().notShared.includes('app/web1') && c.fleet.status().notShared.includes('app/web2'), 'not shared marks');
  assert.equal(admin(a), 'MAINT');
  assert.equal(admin(b), 'READY');

  await etcd.restart();
  await until(() => [a, b, c].every((n) => n.fleet.status().link === 'up' && n.fleet.status().notShared.length === 0), 'reconnected and shared');
  // Revision order decides: whatever etcd holds last is what every member applies.
  const kv = (await a.fleet.client.get(`${h.prefix}/state/app/web1`))!;
  const winner = JSON.parse(kv.value) as { maint: boolean; node: string };
  const want = winner.maint ? 'MAINT' : 'READY';
  await until(() => [a, b, c].every((n) => admin(n) === want), `all ${want}`);
  await until(() => [a, b, c].every((n) => weight(n, 'web2') === 9), 'weight 9 everywhere');
  const conflicts = [...a.log.messages(), ...b.log.messages()].filter((m) => m.startsWith('Fleet conflict on app/web1'));
  assert.ok(conflicts.length >= 1, [...a.log.messages(), ...b.log.messages()].join('\n'));
});

test('fleet: an instance started while etcd is down applies the last known state from its cache before serving', async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  const h = harness(etcd, t);
  const a = await h.join('a');
  const b = await h.join('b');
  a.control.serverAction(s1(a), 'drain', page);
  await until(() => admin(b) === 'DRAIN', 'b drained');
  await b.fleet.stop();
  h.drop(b);
  await etcd.kill();
  const b2 = await h.join('b');
  assert.equal(b2.fleet.status().link, 'down');
  assert.equal(admin(b2), 'DRAIN');
  await etcd.restart();
  await until(() => b2.fleet.status().link === 'up', 'b2 link up');
  a.control.serverAction(s1(a), 'ready', page);
  await until(() => admin(b2) === 'READY', 'b2 follows');
});

test('fleet: presence keys under a lease — a dead member disappears, a stopped one leaves at once', async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  const h = harness(etcd, t);
  const [a, b, c] = [await h.join('a'), await h.join('b'), await h.join('c')];
  await until(async () => (await a.fleet.members()).length === 3, 'three members');
  const m = await a.fleet.members();
  assert.deepEqual(m.map((x) => x.node), ['a', 'b', 'c']);
  assert.deepEqual(m[0]!.servers, ['app/web1', 'app/web2']);
  assert.equal(m[1]!.statsUrl, 'http://127.0.0.1:1/b');

  await c.fleet.stop();
  h.drop(c);
  assert.deepEqual((await a.fleet.members()).map((x) => x.node), ['a', 'b']);

  await b.fleet.stop({ leave: false });
  h.drop(b);
  assert.deepEqual((await a.fleet.members()).map((x) => x.node), ['a', 'b']);
  // Lease TTL is 2 s; etcd expires leases with some slack.
  await until(async () => (await a.fleet.members()).length === 1, 'b gone after lease expiry', 8000);
});

test('fleet: etcd restarted with its data lost — members share their state again and keep following each other', async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  const h = harness(etcd, t);
  const [a, b] = [await h.join('a'), await h.join('b')];
  // Push the revision well past what a fresh etcd will have.
  for (const w of ['3', '4', '5', '6', '7']) a.control.setWeight(s1(a), w, page);
  a.control.serverAction(s1(a), 'drain', page);
  await until(() => admin(b) === 'DRAIN' && weight(b) === 7, 'b follows');
  await etcd.kill();
  await until(() => a.fleet.status().link === 'down' && b.fleet.status().link === 'down', 'links down');
  await etcd.restart({ wipe: true });
  await until(() => a.fleet.status().link === 'up' && b.fleet.status().link === 'up' && a.fleet.status().notShared.length === 0 && b.fleet.status().notShared.length === 0, 'links up and shared');
  const kv = await a.fleet.client.get(`${h.prefix}/state/app/web1`);
  assert.equal(JSON.parse(kv!.value).drain, true);
  a.control.serverAction(s1(a), 'ready', page);
  await until(() => admin(b) === 'READY', 'b follows after the reset', 2000);
  assert.ok(b.log.messages().some((m) => m.includes('etcd revision went back')));
});

test('fleet: simultaneous conflicting changes on two members always converge to the value etcd holds last', async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  const h = harness(etcd, t);
  const [a, b] = [await h.join('a'), await h.join('b')];
  const rounds: [string, string][] = [['drain', 'maint'], ['maint', 'ready'], ['ready', 'drain'], ['maint', 'drain'], ['drain', 'ready']];
  for (let i = 0; i < 15; i++) {
    const [x, y] = rounds[i % rounds.length]!;
    a.control.serverAction(s1(a), x as 'drain', page);
    b.control.serverAction(s1(b), y as 'drain', page);
    await until(async () => {
      if (a.fleet.status().notShared.length || b.fleet.status().notShared.length) return false;
      const kv = await a.fleet.client.get(`${h.prefix}/state/app/web1`);
      if (!kv) return false;
      const v = JSON.parse(kv.value) as { maint: boolean; drain: boolean };
      const want = v.maint ? 'MAINT' : v.drain ? 'DRAIN' : 'READY';
      return admin(a) === want && admin(b) === want;
    }, `round ${i} converged`);
  }
});
