// A port already taken: the process says which bind line failed and why, and exits 1 at once
// (as HAProxy). Only with -sf/-st does it wait for the old processes to free the port.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { freePort } from '../helpers/ports.js';
import { BIN, writeConfig } from '../helpers/switchyard.js';

function run(args: string[]): Promise<{ code: number | null; stderr: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    const kill = setTimeout(() => p.kill('SIGKILL'), 8000);
    p.on('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, stderr, ms: Date.now() - t0 });
    });
  });
}

test('a taken port: one ALERT naming file:line and the reason, exit 1 without retrying', async (t) => {
  const port = await freePort();
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
  t.after(() => blocker.close());
  const { cfgPath } = writeConfig(`defaults
    mode http
    timeout client 1s
    timeout server 1s
    timeout connect 1s
frontend fe
    bind 127.0.0.1:${port}
`);
  const r = await run(['-f', cfgPath]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^\\[ALERT\\] +\\(\\d+\\) : Binding \\[${cfgPath.replace(/[.]/g, '\\.')}:7\\] for frontend fe: cannot bind socket \\(Address already in use\\) for \\[127\\.0\\.0\\.1:${port}\\]\\n$`));
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace for an operator error');
  // It did not sit in the 10 s retry loop meant for -sf/-st.
  assert.ok(r.ms < 5000, `exited after ${r.ms} ms`);
});
