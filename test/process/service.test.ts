// deploy/switchyard.service: checked by systemd itself, and its commands say what they should.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, writeConfig } from '../helpers/switchyard.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const UNIT = readFileSync(path.join(ROOT, 'deploy/switchyard.service'), 'utf8');

function lines(key: string): string[] {
  return UNIT.split('\n').filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
}

/** systemd-analyze verify on a copy of the unit that points at this checkout's binary. */
function verify(text: string): { ok: boolean; out: string } {
  const { dir } = writeConfig('');
  const unit = path.join(dir, 'switchyard.service');
  writeFileSync(unit, text.replaceAll('/usr/local/bin/switchyard', BIN));
  const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

test('the unit checks the config before start and before every reload, then signals the master', () => {
  assert.deepEqual(lines('ExecStartPre'), ['/usr/local/bin/switchyard -f ${CONFIG} -c -q']);
  assert.deepEqual(lines('ExecStart'), ['/usr/local/bin/switchyard -W -f ${CONFIG} -p ${PIDFILE}']);
  assert.deepEqual(lines('ExecReload'), ['/usr/local/bin/switchyard -f ${CONFIG} -c -q', '/bin/kill -USR2 $MAINPID']);
  assert.deepEqual(lines('KillMode'), ['mixed']);
});

test('systemd-analyze verify accepts the unit and refuses a broken one', () => {
  const good = verify(UNIT);
  assert.ok(good.ok, good.out);
  assert.doesNotMatch(good.out, /switchyard\.service/);
  assert.match(verify(UNIT.replace('Type=exec', 'Type=sometimes')).out, /Failed to parse service type/);
  const missing = verify(UNIT.replace(/^ExecStart=\S+/m, 'ExecStart=/nonexistent/switchyard'));
  assert.equal(missing.ok, false);
  assert.match(missing.out, /is not executable/);
});
