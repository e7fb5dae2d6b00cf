// A server's live sessions (SessionList): members come and go in any order, each exactly once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionList, type Killable } from '../../src/core/server.js';

const session = (name: string): Killable & { name: string } => ({ name, serverSlot: -1, kill() {} });

test('adding and removing in any order keeps exactly the live sessions', () => {
  const list = new SessionList();
  const all = Array.from({ length: 50 }, (_, i) => session(`s${i}`));
  const live = new Set<Killable>();
  // a fixed pseudo-random order of adds and removes
  let seed = 7;
  const next = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let step = 0; step < 2000; step++) {
    const s = all[next() % all.length]!;
    if (live.has(s)) {
      list.delete(s);
      live.delete(s);
    } else {
      list.add(s);
      live.add(s);
    }
    assert.equal(list.size, live.size);
  }
  assert.deepEqual(new Set(list), live);
  for (const s of all) assert.equal(s.serverSlot >= 0, live.has(s), `${(s as { name: string }).name}'s slot`);
});

test('removing a session that is not in the list changes nothing', () => {
  const a = new SessionList();
  const b = new SessionList();
  const x = session('x');
  const y = session('y');
  a.add(x);
  b.add(y);
  a.delete(y);
  assert.deepEqual([...a], [x]);
  assert.deepEqual([...b], [y]);
  a.delete(x);
  a.delete(x);
  assert.equal(a.size, 0);
  assert.equal(x.serverSlot, -1);
});
