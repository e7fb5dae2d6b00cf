// Every fixture config through runCheck, compared with its .expected output exactly
// (file:line and message of each diagnostic, stdout, exit code).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCheck } from '../../src/config/check.js';
import { loadConfig } from '../../src/config/load.js';
import { corpusCases, FIXTURES, FIXTURE_ENV, normalise } from './corpus-cases.js';

// Messages name files as given on the command line, so run from the fixture directory.
process.chdir(FIXTURES);

const cases = corpusCases();

test('the corpus holds at least 40 configurations, valid and invalid', () => {
  assert.ok(cases.length >= 40, `only ${cases.length} cases`);
  const rcs = new Set(cases.map((c) => c.expected.trimEnd().split('\n').pop()));
  assert.ok(rcs.has('rc=0') && rcs.has('rc=1') && rcs.has('rc=2'));
});

for (const c of cases) {
  test(`switchyard -c ${c.name}`, () => {
    let out = '';
    let err = '';
    const rc = runCheck([c.name], { quiet: false, env: FIXTURE_ENV, out: (t) => (out += t), err: (t) => (err += t), pid: 4242 });
    assert.equal(normalise(err, out, rc), c.expected);
  });
}

test('-q keeps the exit code and prints nothing', () => {
  for (const c of cases) {
    let printed = '';
    const rc = runCheck([c.name], { quiet: true, env: FIXTURE_ENV, out: (t) => (printed += t), err: (t) => (printed += t) });
    assert.equal(`rc=${rc}`, c.expected.trimEnd().split('\n').pop(), c.name);
    assert.equal(printed, '', c.name);
  }
});

test('a missing file is reported and exits 1', () => {
  let err = '';
  const rc = runCheck(['/nonexistent.cfg'], { quiet: false, env: FIXTURE_ENV, out: () => {}, err: (t) => (err += t), pid: 7 });
  assert.equal(rc, 1);
  assert.equal(err, '[ALERT]    (7) : config : Cannot open configuration file/directory /nonexistent.cfg : No such file or directory\n');
});

test('several -f files are concatenated in order; duplicates name both files', () => {
  let err = '';
  const rc = runCheck(['multi-dir/10-first.cfg', 'multi-dir/20-second.cfg'], { quiet: false, env: FIXTURE_ENV, out: () => {}, err: (t) => (err += t), pid: 7 });
  assert.equal(rc, 1);
  assert.match(err, /Parsing \[multi-dir\/20-second\.cfg:1\]: backend 'b' has the same name as backend 'b' declared at multi-dir\/10-first\.cfg:9\./);
  const ok = loadConfig(['multi-dir/10-first.cfg'], FIXTURE_ENV);
  assert.ok(ok.config);
});

test('zero-warning turns warnings into a failure', () => {
  let err = '';
  const rc = runCheck(['zerowarn.cfg'], { quiet: false, env: FIXTURE_ENV, out: () => {}, err: (t) => (err += t), pid: 7 });
  assert.equal(rc, 1);
  assert.match(err, /\[ALERT\] {4}\(7\) : config : Some warnings were found and 'zero-warning' is set\. Aborting\.\n$/);
});
