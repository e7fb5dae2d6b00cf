// Debian's haproxy 2.6 on the same corpus: Switchyard must agree on valid/invalid (exit code)
// for every file, and for files without Switchyard-specific warnings, print the same diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { corpusCases, FIXTURES, FIXTURE_ENV, normalise } from './corpus-cases.js';

const HAPROXY = '/usr/sbin/haproxy';
const haveHaproxy = existsSync(HAPROXY);

/**
 * Cases whose output legitimately differs: Switchyard warns about keywords it parses but does
 * not implement, or goes on where HAProxy stops at its first error. There every ALERT HAProxy
 * prints must still be among Switchyard's.
 */
const OWN_WARNINGS = new Set([
  'not-implemented.cfg',
  'defaults-rules-implicit.cfg',
  'defaults-rules-inherit.cfg',
  'defaults-rules-ok.cfg',
  'defaults-rules-tables.cfg',
  'haproxy-extras.cfg',
  'server-params.cfg',
]);

for (const c of corpusCases()) {
  test(`haproxy -c agrees on ${c.name}`, (t) => {
    if (!haveHaproxy) {
      t.diagnostic(`SKIPPED: ${HAPROXY} is not installed (apt-get install haproxy)`);
      console.log(`# haproxy-agreement: ${HAPROXY} missing, comparison of ${c.name} skipped`);
      return;
    }
    if (c.switchyardOnly) {
      t.diagnostic(`not compared: ${c.switchyardOnly}`);
      return;
    }
    const r = spawnSync(HAPROXY, ['-c', '-f', c.name], { cwd: FIXTURES, env: FIXTURE_ENV, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.error, undefined);
    const theirs = normalise(r.stderr, r.stdout, r.status ?? -1);
    const theirRc = theirs.trimEnd().split('\n').pop();
    const ourRc = c.expected.trimEnd().split('\n').pop();
    assert.equal(ourRc === 'rc=0', theirRc === 'rc=0', `valid/invalid differs: haproxy ${theirRc}, switchyard ${ourRc}\n${theirs}`);
    assert.equal(ourRc, theirRc);
    if (!OWN_WARNINGS.has(c.name)) assert.equal(c.expected, theirs);
    else {
      const ours = new Set(c.expected.split('\n'));
      for (const line of theirs.split('\n').filter((l) => l.startsWith('[ALERT]') && !l.includes('Fatal errors found'))) assert.ok(ours.has(line), `missing: ${line}`);
    }
  });
}
