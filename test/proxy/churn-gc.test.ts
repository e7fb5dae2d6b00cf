// After every 100 ended connections the data plane asks V8 for a major GC, at most once a
// second (src/proxy/churn-gc.ts); `gc` is the function --expose-gc installs, recorded here.

import { test } from 'node:test';
import assert from 'node:assert/strict';

const calls: unknown[] = [];
(globalThis as { gc?: unknown }).gc = (options: unknown) => calls.push(options);
const { connectionEnded } = await import('../../src/proxy/churn-gc.js');

test('a major GC is asked for after 100 ended connections, at most once a second', () => {
  let now = 10_000;
  for (let i = 0; i < 99; i++) connectionEnded(now);
  assert.equal(calls.length, 0, '99 ended connections ask for nothing');
  connectionEnded(now);
  assert.deepEqual(calls, [{ type: 'major', execution: 'async' }]);
  // 300 more within the same second: still one
  for (let i = 0; i < 300; i++) connectionEnded(now + 500);
  assert.equal(calls.length, 1);
  // a second later, the connections counted meanwhile are enough for the next one
  connectionEnded((now += 1000));
  assert.equal(calls.length, 2);
  for (let i = 0; i < 99; i++) connectionEnded(now + 2000);
  assert.equal(calls.length, 2, 'the count starts again after each GC');
  connectionEnded(now + 2000);
  assert.equal(calls.length, 3);
});
