// netdata's haproxy collector (Debian netdata-plugins-python) reads `;csv` by header name
// and the page's "idle = N" line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OpState } from '../../src/core/server-state-types.js';
import { SEED } from './fixture.js';
import { serveStats } from './harness.js';

const PLUGIN = '/usr/lib/netdata/plugins.d/python.d.plugin';

test('netdata haproxy collector finds every server and the idle ratio', async (t) => {
  const h = await serveStats(SEED);
  t.after(() => h.close());
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-netdata-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const d of ['conf/python.d', 'lib', 'lock']) mkdirSync(path.join(dir, d), { recursive: true });
  writeFileSync(
    path.join(dir, 'conf/python.d/haproxy.conf'),
    `local:\n  url: 'http://127.0.0.1:${h.port}/stats;csv;norefresh'\n  user: 'admin'\n  pass: 'admin888'\n`,
  );
  const env = {
    ...process.env,
    NETDATA_USER_CONFIG_DIR: path.join(dir, 'conf'),
    NETDATA_STOCK_CONFIG_DIR: path.join(dir, 'conf'),
    NETDATA_LIB_DIR: path.join(dir, 'lib'),
    NETDATA_LOCK_DIR: path.join(dir, 'lock'),
  };
  const plugin = spawn(PLUGIN, ['1', 'nolock', 'haproxy'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  t.after(() => {
    plugin.kill();
  });
  let out = '';
  plugin.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const waitFor = async (re: RegExp) => {
    const deadline = Date.now() + 20_000;
    while (!re.test(out)) {
      if (Date.now() > deadline) throw new Error(`collector never printed ${re}:\n${out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await waitFor(/^SET 'hsup_app' = 2$/m);
  assert.match(out, /^SET 'hsdown_app' = 0$/m);
  assert.match(out, /^SET 'hbdown_app' = 0$/m);
  await waitFor(/^SET 'idle' = 100$/m);
  assert.doesNotMatch(out, /^DISABLE/m);

  const web1 = h.rt.backend('app')!.serversByName.get('web1')!;
  web1.state.op = OpState.STOPPED;
  web1.state.check.health = 0;
  await waitFor(/^SET 'hsdown_app' = 1$/m);
});
