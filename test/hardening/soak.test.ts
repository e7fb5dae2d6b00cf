// The soak, short: bench/soak.js runs mixed load with operator actions, reloads and a
// backend killed and restarted, and must end with zero unexpected errors and RSS and fds
// back within bounds. Plus the reload race the long soak found, made deterministic.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../helpers/ports.js';
import { backends, countOf, startMaster, until } from '../e2e/process-harness.js';
import { csvField, socat } from '../e2e/api-helpers.js';

const SOAK = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench/soak.js');

interface Summary {
  requests: number;
  errors: number;
  byKind: Record<string, { ok: number; expected: number; errors: number }>;
  errorSamples: Record<string, unknown>;
  reloads: number;
  kills: number;
  admin: Record<string, number>;
  failures: string[];
  webLogLines: number;
  httpOk: number;
  rssMB: { start: number; end: number; max: number };
  fds: { start: number; end: number };
  ok: boolean;
  reasons: string[];
}

test('soak, 32 s: mixed load through reloads, admin actions and a backend kill ends clean', { timeout: 120_000 }, async (t) => {
  const proc = spawn(process.execPath, [SOAK, '--seconds', '32', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGINT');
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d));
  proc.stderr.on('data', (d: Buffer) => (err += d));
  const code = await new Promise<number | null>((r) => proc.on('exit', (c) => r(c)));
  const line = out.trim().split('\n').pop() ?? '';
  assert.ok(line.startsWith('{'), `no JSON summary (exit ${code}):\n${out}\n${err}`);
  const s = JSON.parse(line) as Summary;
  const why = JSON.stringify({ ...s, samples: undefined }, null, 1);

  assert.equal(s.errors, 0, why);
  assert.deepEqual(s.failures, [], why);
  assert.ok(s.requests > 1_000, why);
  for (const [kind, tally] of Object.entries(s.byKind)) assert.ok(tally.ok > 0, `no ${kind} request succeeded: ${why}`);
  assert.ok(s.reloads >= 1, why);
  assert.ok(s.kills >= 1, why);
  for (const kind of ['socketDrain', 'socketMaint', 'socketReady', 'pageDrain', 'pageMaint', 'pageReady', 'weight']) {
    assert.ok((s.admin[kind] ?? 0) >= 1, `no ${kind} done: ${why}`);
  }
  assert.ok(s.rssMB.end <= s.rssMB.start * 1.3 + 15, why);
  assert.ok(s.fds.end <= s.fds.start + 4, why);
  assert.ok(s.webLogLines >= s.httpOk, why);
  assert.deepEqual(s.reasons, [], why);
  assert.equal(s.ok, true);
  assert.equal(code, 0, why);
});

test('a server state changed through the socket while a reload starts holds in the new workers', { timeout: 60_000 }, async (t) => {
  const [port, b1, b2] = await freePorts(3);
  await backends(t, [b1, b2]);
  const m = await startMaster(t, port, [b1, b2]);
  const status = async (): Promise<string | undefined> => csvField(await socat(m.sock, 'show stat\n'), 'app', 's1', 'status');
  const forked = (): number => countOf(m.output(), 'New worker (');
  assert.equal(forked(), 2);

  // The master exports the operator state, then forks the new workers: once they are
  // forked and not yet serving, a change can only reach the old ones. On a slow machine the
  // new workers might serve before the change lands; then try again with another state.
  const wanted: [string, string][] = [['drain', 'DRAIN'], ['maint', 'MAINT'], ['drain', 'DRAIN']];
  for (const [i, [state, shown]] of wanted.entries()) {
    m.proc.kill('SIGUSR2');
    await until('the new workers forked', () => forked() === 4 + 2 * i, 20_000);
    assert.equal(await socat(m.sock, `set server app/s1 state ${state}\n`), '\n');
    const inWindow = countOf(m.output(), 'Loading success.') === 1 + i;
    await until('the reload', () => countOf(m.output(), 'Loading success.') === 2 + i, 20_000);
    await until('the old workers to leave', () => countOf(m.output(), 'Former worker (') === 2 + 2 * i, 20_000);
    if (!inWindow && i < wanted.length - 1) continue;
    assert.ok(inWindow, 'the change never landed before the new workers served');
    const seen: (string | undefined)[] = [];
    for (let k = 0; k < 8; k++) seen.push(await status());
    assert.deepEqual(seen, Array(8).fill(shown), m.output());
    break;
  }
});
