// The major GCs the data plane asks for (src/proxy/planned-gc.ts): one when startup is over,
// then one after every 100 ended connections, at most once a second. `gc` is the function
// --expose-gc installs, recorded here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSwitchyard } from '../helpers/switchyard.js';
import { freePorts } from '../helpers/ports.js';

const calls: unknown[] = [];
(globalThis as { gc?: unknown }).gc = (options: unknown) => calls.push(options);
const { connectionEnded, startupFinished } = await import('../../src/proxy/planned-gc.js');

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

test('the end of startup asks for one full GC, without an argument', () => {
  calls.length = 0;
  startupFinished();
  assert.deepEqual(calls, [undefined]);
});

test('a real data-plane process runs that full GC once it is listening', async (t) => {
  const [port] = await freePorts(1);
  // --trace-gc prints one line per GC; one asked for by gc() gives "testing" as its reason.
  const sy = await startSwitchyard(`frontend fe\n    bind 127.0.0.1:${port}\n    mode tcp\n    default_backend be\nbackend be\n    mode tcp\n    server s1 127.0.0.1:9\n`, [port!], [], {
    nodeArgs: ['--expose-gc', '--trace-gc'],
  });
  t.after(() => sy.stop('SIGKILL'));
  const deadline = Date.now() + 10_000;
  while (!/Mark-Compact[^\n]*testing/.test(sy.output()) && Date.now() < deadline && sy.proc.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  assert.match(sy.output(), /Mark-Compact[^\n]*testing/, sy.output());
});
