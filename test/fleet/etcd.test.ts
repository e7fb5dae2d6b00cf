import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdClient, type WatchEvent } from '../../src/fleet/etcd.js';
import { startEtcd } from './etcd-server.js';

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('etcd client: put, range by prefix, delete, watch, leases against a real etcd', async (t) => {
  const etcd = await startEtcd();
  const client = new EtcdClient([etcd.url]);
  t.after(async () => {
    client.close();
    await etcd.stop();
  });

  const r1 = await client.put('/sy/a/x', 'héllo 1');
  assert.ok(r1.revision > 0);
  const r2 = await client.put('/sy/a/x', 'two', { prevKv: true });
  assert.equal(r2.prevKv?.value, 'héllo 1');
  assert.ok(r2.revision > r1.revision);
  await client.put('/sy/a/y', 'why');
  await client.put('/sy/b', 'outside');

  const got = await client.range('/sy/a/', { prefix: true });
  assert.deepEqual(got.kvs.map((k) => [k.key, k.value]), [['/sy/a/x', 'two'], ['/sy/a/y', 'why']]);
  assert.equal(got.kvs[0]!.modRevision, r2.revision);
  assert.equal(got.kvs[0]!.version, 2);
  assert.equal((await client.get('/sy/none')), undefined);

  const events: WatchEvent[] = [];
  let ended = false;
  const w = client.watch('/sy/a/', { prefix: true, startRevision: got.revision + 1 }, {
    onEvents: (ev) => events.push(...ev),
    onEnd: () => (ended = true),
  });
  await client.put('/sy/a/z', 'zed');
  await client.put('/sy/b', 'not watched');
  assert.equal(await client.deleteRange('/sy/a/y'), 1);
  await until(() => events.length >= 2, 'watch events');
  assert.deepEqual(events.map((e) => [e.type, e.kv.key, e.kv.value]), [['PUT', '/sy/a/z', 'zed'], ['DELETE', '/sy/a/y', '']]);
  w.cancel();
  assert.equal(ended, true);

  const lease = await client.leaseGrant(2);
  assert.equal(lease.ttl, 2);
  await client.put('/sy/live', 'me', { lease: lease.id });
  assert.equal((await client.get('/sy/live'))?.lease, lease.id);
  assert.ok((await client.leaseKeepAlive(lease.id)) > 0);
  await client.leaseRevoke(lease.id);
  assert.equal(await client.get('/sy/live'), undefined);
  assert.equal(await client.leaseKeepAlive(lease.id), 0);

  const short = await client.leaseGrant(1);
  await client.put('/sy/short', 'gone soon', { lease: short.id });
  await until(async () => (await client.get('/sy/short')) === undefined, 'lease expiry');
});

test('etcd client: a killed etcd fails calls and ends watches; a restart serves the same data', async (t) => {
  const etcd = await startEtcd();
  const client = new EtcdClient([etcd.url], { timeoutMs: 500 });
  t.after(async () => {
    client.close();
    await etcd.stop();
  });
  await client.put('/k', 'v');
  let endErr: Error | undefined;
  let ended = false;
  client.watch('/k', {}, { onEvents: () => {}, onEnd: (e) => { ended = true; endErr = e; } });
  await etcd.kill();
  await until(() => ended, 'watch end');
  assert.ok(endErr instanceof Error);
  await assert.rejects(client.get('/k'));
  await etcd.restart();
  assert.equal((await client.get('/k'))?.value, 'v');
});
