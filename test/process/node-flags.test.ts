// The data plane's V8 flags reach the processes that carry traffic: workers of a -W master
// started without them, and a directly executed bin/switchyard.js (its shebang).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { DATA_PLANE_NODE_FLAGS, withDataPlaneFlags } from '../../src/process/node-flags.js';
import { freePorts } from '../helpers/ports.js';
import { BIN } from '../helpers/switchyard.js';
import { backends, startMaster, until, workerPids } from '../e2e/process-harness.js';

const cmdline = (pid: number): string[] => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');

test('withDataPlaneFlags adds the flags once and keeps an operator-given value', () => {
  assert.deepEqual(withDataPlaneFlags([]), DATA_PLANE_NODE_FLAGS);
  assert.deepEqual(withDataPlaneFlags(['--inspect']), ['--inspect', ...DATA_PLANE_NODE_FLAGS]);
  assert.deepEqual(withDataPlaneFlags(['--max-semi-space-size=8']), ['--max-semi-space-size=8', ...DATA_PLANE_NODE_FLAGS.filter((f) => !f.startsWith('--max-semi-space-size='))]);
});

test('workers of a master started as `node bin/switchyard.js -W` run with the flags', async (t) => {
  const [fe, b1, b2] = await freePorts(3);
  await backends(t, [b1!, b2!]);
  const m = await startMaster(t, fe!, [b1!, b2!]);
  await until('a worker', () => workerPids(m.output()).length > 0);
  const worker = workerPids(m.output())[0]!;
  for (const f of DATA_PLANE_NODE_FLAGS) assert.ok(cmdline(worker).includes(f), `worker argv: ${cmdline(worker).join(' ')}`);
  assert.ok(!cmdline(m.proc.pid!).includes(DATA_PLANE_NODE_FLAGS[0]!), 'the test started the master without the flags');
});

test('bin/switchyard.js run directly gets the flags from its shebang', async (t) => {
  const [fe] = await freePorts(1);
  const dir = mkdtempSync(path.join(tmpdir(), 'sy-flags-'));
  const cfg = path.join(dir, 'h.cfg');
  writeFileSync(cfg, `defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\nfrontend fe\n    bind 127.0.0.1:${fe}\n`);
  const p = spawn(BIN, ['-f', cfg], { stdio: 'ignore' });
  t.after(() => {
    p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  await until('the directly started process to listen', () => canConnect(fe!));
  const argv = cmdline(p.pid!);
  for (const f of DATA_PLANE_NODE_FLAGS) assert.ok(argv.includes(f), `argv: ${argv.join(' ')}`);
});

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}
