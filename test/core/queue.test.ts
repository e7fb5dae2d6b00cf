import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitForServer, releaseServer, queued, hasUsableServer } from '../../src/core/queue.js';
import { createControl } from '../../src/control/commands.js';
import type { Server } from '../../src/core/server.js';
import { BASE, recordingLog, runtimeFrom } from './fixture.js';

const key = { src: '127.0.0.1' };

function setup(servers: string) {
  const rt = runtimeFrom(`${BASE}backend app\n${servers}`);
  const app = rt.backend('app')!;
  return { rt, app, lb: app.balancer!, s: (n: string) => app.serversByName.get(n)! };
}

test('a full backend queues in order and a release hands the slot to the oldest waiter', async () => {
  const { app, lb, s } = setup('  server a 127.0.0.1:1 maxconn 1\n');
  const first = lb.pick(key)!;
  lb.taken(first);
  assert.equal(lb.pick(key), undefined);
  assert.equal(hasUsableServer(app), true);
  const got: (string | undefined)[] = [];
  waitForServer(app, key, 5000, (srv) => got.push(`w1:${srv?.name}`));
  waitForServer(app, key, 5000, (srv) => got.push(`w2:${srv?.name}`));
  assert.equal(queued(app), 2);
  assert.equal(app.beCounters.qcur, 2);
  assert.equal(app.beCounters.qmax, 2);
  releaseServer(s('a'));
  assert.deepEqual(got, ['w1:a']);
  assert.equal(s('a').served, 1);
  releaseServer(s('a'));
  assert.deepEqual(got, ['w1:a', 'w2:a']);
  assert.equal(app.beCounters.qcur, 0);
});

test('timeout queue expires with undefined; cancel leaves the queue', async () => {
  const { app, lb, s } = setup('  server a 127.0.0.1:1 maxconn 1\n');
  lb.taken(lb.pick(key)!);
  const result = await new Promise<Server | undefined>((resolve) => waitForServer(app, key, 30, resolve));
  assert.equal(result, undefined);
  let called = false;
  const ticket = waitForServer(app, key, 5000, () => (called = true));
  ticket.cancel();
  assert.equal(queued(app), 0);
  releaseServer(s('a'));
  assert.equal(called, false);
});

test('per-server queue respects maxqueue; raising maxconn serves waiters', async () => {
  const { rt, app, lb, s } = setup('  server a 127.0.0.1:1 maxconn 1 maxqueue 1\n');
  lb.taken(lb.pick(key)!);
  const got: (string | undefined)[] = [];
  waitForServer(app, key, 5000, (srv) => got.push(srv?.name), s('a'));
  const refused = await new Promise<Server | undefined>((resolve) => waitForServer(app, key, 5000, resolve, s('a')));
  assert.equal(refused, undefined);
  assert.equal(s('a').counters.qcur, 1);
  createControl(rt, recordingLog()).setMaxconn(s('a'), 2, { via: 'socket' });
  assert.deepEqual(got, ['a']);
  assert.equal(s('a').counters.qcur, 0);
});

test('a server coming back from MAINT takes queued requests', () => {
  const { rt, app, s } = setup('  server a 127.0.0.1:1\n');
  const control = createControl(rt, recordingLog());
  control.serverAction(s('a'), 'maint', { via: 'socket' });
  assert.equal(hasUsableServer(app), false);
  const got: (string | undefined)[] = [];
  const ticket = waitForServer(app, key, 5000, (srv) => got.push(srv?.name));
  control.serverAction(s('a'), 'ready', { via: 'socket' });
  assert.deepEqual(got, ['a']);
  ticket.cancel();
});
