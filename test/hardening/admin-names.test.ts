// Names that reach the stats page, CSV and logs are identifiers: markup and quotes in a proxy or
// server name are refused by `-c` with HAProxy 2.6's own alerts, compared with Debian's haproxy.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BIN, writeConfig } from '../helpers/switchyard.js';

const CFG = `defaults
  mode http
  timeout connect 1s
  timeout client 1s
  timeout server 1s
backend app.x-1:_
  server "x'y\\"z" 127.0.0.1:1
  server "<img>" 127.0.0.1:1
  server s.1-_:ok 127.0.0.1:1
backend "a<b>"
  server s1 127.0.0.1:1
`;

function alerts(out: string): string[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('[ALERT]'))
    .map((l) => l.replace(/^\[ALERT\]\s+\(\d+\) : /, ''));
}

test('-c refuses markup and quotes in backend and server names, as HAProxy 2.6 does', () => {
  const { cfgPath } = writeConfig(CFG);
  const sy = spawnSync(process.execPath, [BIN, '-c', '-f', cfgPath], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(sy.status, 1);
  const got = alerts(sy.stdout + sy.stderr);
  assert.ok(got.includes(`config : [${cfgPath}:7] : character ''' is not permitted in server name 'x'y"z'.`), got.join('\n'));
  assert.ok(got.includes(`config : [${cfgPath}:8] : character '<' is not permitted in server name '<img>'.`), got.join('\n'));
  assert.ok(got.includes(`config : parsing [${cfgPath}:10]: character '<' is not permitted in 'backend' name 'a<b>'.`), got.join('\n'));
  const ha = spawnSync('haproxy', ['-c', '-f', cfgPath], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(ha.status, 1);
  // HAProxy puts a space before the colon of the parsing prefix; the messages are the same
  assert.deepEqual(got, alerts(ha.stdout + ha.stderr).map((l) => l.replace(/^(config : parsing \[[^\]]+\]) :/, '$1:')));
});
