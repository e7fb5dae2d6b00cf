// The real binary in check mode, as operators and VTest run it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BIN, writeConfig } from '../helpers/switchyard.js';
import { SEED_CONFIG } from '../helpers/shared.js';

const SEED = SEED_CONFIG;
const run = (args: string[], env: NodeJS.ProcessEnv = process.env) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000, env });

test('switchyard -c -f seed-stats.cfg is valid', () => {
  const r = run(['-c', '-f', SEED]);
  assert.equal(r.stdout, 'Configuration file is valid\n');
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
});

test('the same file with one keyword misspelt exits 1 with an ALERT naming file and line', () => {
  const lines = readFileSync(SEED, 'utf8').split('\n');
  const idx = lines.findIndex((l) => l.includes('stats refresh'));
  lines[idx] = lines[idx].replace('stats refresh', 'stats refrseh');
  const lb = lines.findIndex((l) => l.includes('balance roundrobin'));
  lines[lb] = lines[lb].replace('balance', 'balanse');
  const { cfgPath } = writeConfig(lines.join('\n'), 'misspelt.cfg');
  const r = run(['-c', '-f', cfgPath]);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  const alerts = r.stderr.split('\n').filter((l) => l.startsWith('[ALERT]'));
  assert.deepEqual(
    alerts.map((l) => l.replace(/^\[ALERT\] {4}\(\d+\) : config : /, '')),
    [
      `parsing [${cfgPath}:${lb + 1}] : unknown keyword 'balanse' in 'backend' section; did you mean 'balance' maybe ?`,
      `parsing [${cfgPath}:${idx + 1}]: unknown stats parameter 'refrseh', expects 'admin', 'uri', 'realm', 'auth', 'scope', 'enable', 'hide-version', 'show-node', 'show-desc' or 'show-legends'.`,
      `Error(s) found in configuration file : ${cfgPath}`,
      'Fatal errors found in configuration.',
    ],
  );
  assert.match(r.stderr, /^\[NOTICE\] {3}\(\d+\) : haproxy version is 2\.6\.\d+-switchyard/);
});

test('-q is silent but keeps the exit code; a missing file exits 1', () => {
  const bad = writeConfig('frontend f\n  bind :99999\n').cfgPath;
  const r = run(['-c', '-q', '-f', bad]);
  assert.deepEqual([r.status, r.stdout, r.stderr], [1, '', '']);
  const m = run(['-c', '-f', '/nonexistent.cfg']);
  assert.equal(m.status, 1);
  assert.match(m.stderr, /Cannot open configuration file\/directory \/nonexistent\.cfg : No such file or directory/);
});

test('-dW fails on warnings; an empty directory is an error', () => {
  const warn = writeConfig('frontend f\n  bind 127.0.0.1:18000\n').cfgPath;
  assert.equal(run(['-c', '-q', '-f', warn]).status, 0);
  const r = run(['-c', '-dW', '-f', warn]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Some warnings were found and 'zero-warning' is set\. Aborting\./);
  const dir = writeConfig('not a cfg', 'README').dir;
  assert.equal(run(['-c', '-q', '-f', dir]).status, 1);
});

test('an empty config has no listener: exit 2', () => {
  const r = run(['-c', '-f', writeConfig('').cfgPath]);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, 'Configuration file has no error but will not start (no listener) => exit(2).\n');
});

test('VTest-style config: fd@ listeners from the environment, second global, ${VAR-default}', () => {
  const cfg =
    'global\n\tstats socket "/tmp/sy-vtest.sock" level admin mode 600\n    stats socket "fd@${cli}" level admin\n' +
    '    global\n        tune.idle-pool.shared off\n    defaults\n        mode http\n        timeout connect "${HAPROXY_TEST_TIMEOUT-5s}"\n        timeout client  "${HAPROXY_TEST_TIMEOUT-5s}"\n        timeout server  "${HAPROXY_TEST_TIMEOUT-5s}"\n' +
    '    frontend fe1\n        bind "fd@${fe1}"\n        default_backend b1\n    backend b1\n        server srv1 127.0.0.1:1\n';
  const r = run(['-c', '-f', writeConfig(cfg).cfgPath], { ...process.env, cli: '7', fe1: '8' });
  assert.equal(r.status, 0, r.stderr);
});

test('-v / -vv read as HAProxy 2.6 for tools that parse them', () => {
  const v = run(['-v']);
  assert.equal(v.status, 0, v.stderr);
  const first = v.stdout.split('\n')[0];
  assert.match(first, /^HAProxy version 2\.6\.\d+-switchyard-\S+ /);
  const vv = run(['-vv']);
  assert.equal(vv.status, 0, vv.stderr);
  assert.match(vv.stdout, /^Feature list : /m);
  assert.match(vv.stdout, /TARGET {2}= /);
  assert.match(vv.stdout, /^Available services : /m);
});

test('-cc evaluates conditions like HAProxy (0 true, 1 false or invalid)', () => {
  assert.equal(run(['-cc', 'version_atleast(2.5-dev0)']).status, 0);
  assert.equal(run(['-cc', 'version_atleast(1024)']).status, 1);
  assert.equal(run(['-cc', "streq(foo,'foo')"]).status, 0);
  assert.equal(run(['-cc', `streq("foo bar",'foo bar')`]).status, 0);
  assert.equal(run(['-cc', 'streq(foo,bar)']).status, 1);
  assert.equal(run(['-cc', 'defined(SY_SET) && !defined(SY_UNSET)'], { ...process.env, SY_SET: '1' }).status, 0);
  assert.equal(run(['-cc', 'nosuchpredicate(1)']).status, 1);
});

test('an unknown flag exits 1 with usage', () => {
  const r = run(['-Z', '-f', SEED]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /unknown option '-Z'/);
  assert.match(r.stderr, /Usage : switchyard/);
});
