// The npm `haproxy` client (one command per connection, reads to close) against Switchyard's
// stats socket: stats and info parsed by header and key, disable/enable server, get/set weight.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import HAProxy from 'haproxy';
import { startSwitchyard } from '../helpers/switchyard.js';
import { seedOnFreePorts, until } from '../stats/seed.js';
import { csvField, socat } from './api-helpers.js';

function call<T>(f: (cb: (err: Error | null | undefined, r: T) => void) => unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    f((err, r) => (err ? reject(err) : resolve(r)));
  });
}

test('npm haproxy client: stat, info, disable/enable server, get and set weight', async (t) => {
  const seed = await seedOnFreePorts();
  t.after(() => seed.close());
  const sock = /stats socket (\S+)/.exec(seed.cfg)![1]!;
  const sy = await startSwitchyard(seed.cfg, [seed.webPort]);
  t.after(() => sy.stop());
  const client = new HAProxy(sock);

  const rows = await until('both servers UP', async () => {
    const r = await call<Record<string, string>[]>((cb) => client.stat(-1, -1, -1, cb));
    return r.filter((x) => x.pxname === 'app' && x.status === 'UP').length === 3 && r;
  });
  assert.deepEqual(rows.map((r) => `${r.pxname}/${r.svname}`), ['web/FRONTEND', 'app/web1', 'app/web2', 'app/BACKEND', 'stats/FRONTEND', 'stats/BACKEND']);
  const info = await call<Record<string, string | number>>((cb) => client.info(cb));
  assert.equal(info.Name, 'HAProxy');
  assert.equal(info.Pid, sy.proc.pid);

  await call((cb) => client.disable('app', 'web1', cb));
  assert.equal(csvField(await socat(sock, 'show stat\n'), 'app', 'web1', 'status'), 'MAINT');
  await call((cb) => client.enable('app', 'web1', cb));
  assert.notEqual(csvField(await socat(sock, 'show stat\n'), 'app', 'web1', 'status'), 'MAINT');

  assert.deepEqual(await call((cb) => client.weight('app', 'web2', cb)), { current: 1, initial: 1 });
  await call((cb) => client.weight('app', 'web2', 7, cb));
  assert.deepEqual(await call((cb) => client.weight('app', 'web2', cb)), { current: 7, initial: 1 });
  assert.equal(csvField(await socat(sock, 'show stat\n'), 'app', 'web2', 'weight'), '7');
});
