// Brute force on the stats page's Basic auth: a guessing source is slowed down with a doubling
// back-off (429 + Retry-After), the operator from another source is not, nobody is locked out
// for good, and the table of sources stays bounded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthBackoff, DEFAULT_BACKOFF, sourceKey } from '../../src/stats/backoff.js';
import { freePort } from '../helpers/ports.js';
import { startSwitchyard } from '../helpers/switchyard.js';
import { basic, request, until, type Reply } from './admin-helpers.js';

const SECRET = 'S3cr3t-backoff-7Qz';

test('back-off table: threshold, doubling up to the cap, quiet period, good login, IPv6 by /64', () => {
  const b = new AuthBackoff();
  let now = 1_000_000;
  for (let i = 1; i < DEFAULT_BACKOFF.threshold; i++) assert.deepEqual(b.failed('10.0.0.1', now), { delayMs: 0, crossed: false });
  assert.equal(b.waitMs('10.0.0.1', now), 0);
  assert.deepEqual(b.failed('10.0.0.1', now), { delayMs: 1000, crossed: true });
  assert.equal(b.waitMs('10.0.0.1', now + 400), 600);
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    now += b.waitMs('10.0.0.1', now);
    delays.push(b.failed('10.0.0.1', now).delayMs);
  }
  assert.deepEqual(delays, [2000, 4000, 8000, 10_000, 10_000, 10_000]);
  assert.equal(b.waitMs('10.0.0.2', now), 0, 'another source is not slowed');
  // after a quiet period the source starts from scratch
  now += DEFAULT_BACKOFF.quietMs;
  assert.equal(b.waitMs('10.0.0.1', now), 0);
  assert.deepEqual(b.failed('10.0.0.1', now), { delayMs: 0, crossed: false });
  // a good login forgets the failures at once
  for (let i = 0; i < 10; i++) b.failed('10.0.0.3', now);
  b.succeeded('10.0.0.3');
  assert.equal(b.waitMs('10.0.0.3', now), 0);
  assert.deepEqual(b.failed('10.0.0.3', now), { delayMs: 0, crossed: false });

  assert.equal(sourceKey('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(sourceKey('2001:db8:0:1::5'), '2001:db8:0:1::/64');
  assert.equal(sourceKey('2001:db8:0:1:aaaa:bbbb:cccc:dddd'), '2001:db8:0:1::/64');
  assert.equal(sourceKey('::1'), '0:0:0:0::/64');
});

test('back-off table stays bounded: 50k sources, the most recently seen are kept', () => {
  const b = new AuthBackoff({ ...DEFAULT_BACKOFF, maxSources: 10_000 });
  const now = 5_000_000;
  for (let i = 0; i < DEFAULT_BACKOFF.threshold; i++) b.failed('192.0.2.1', now);
  for (let i = 0; i < 50_000; i++) {
    b.failed(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, now);
    assert.ok(b.size <= 10_000);
    // the attacker keeps trying, so it stays among the recently seen
    if (i % 1000 === 0) assert.ok(b.waitMs('192.0.2.1', now) > 0);
  }
  assert.equal(b.size, 10_000);
  assert.ok(b.waitMs('192.0.2.1', now) > 0, 'an active attacker is not flushed out of the table');
});

test('30 wrong passwords from 127.0.0.1 are slowed down; the operator from 127.0.0.2 gets in at once; no lock-out', async (t) => {
  const port = await freePort();
  const cfg = `global
  log stdout format raw local0
defaults
  mode http
  timeout connect 2s
  timeout client 10s
  timeout server 10s
listen stats
  bind 127.0.0.1:${port}
  stats enable
  stats uri /stats
  stats auth admin:${SECRET}
  stats admin if TRUE
`;
  const sy = await startSwitchyard(cfg, [port]);
  t.after(() => sy.stop());
  const wrong = basic('admin', 'guess');
  const good = basic('admin', SECRET);

  // 30 guesses as fast as the server answers: only the first few are checked at all
  const replies: Reply[] = [];
  for (let i = 0; i < 30; i++) replies.push(await request(port, '/stats', { auth: wrong }));
  const statuses = replies.map((r) => r.status);
  assert.deepEqual(statuses.slice(0, DEFAULT_BACKOFF.threshold), Array(DEFAULT_BACKOFF.threshold).fill(401));
  const accepted = statuses.filter((s) => s === 401).length;
  assert.ok(accepted < 30, `the server checked ${accepted} of 30 guesses`);
  const slowed = replies.filter((r) => r.status === 429);
  assert.ok(slowed.length > 0);
  for (const r of slowed) {
    assert.match(String(r.headers['retry-after']), /^(1|2|4|8|10)$/);
    assert.equal(r.headers['www-authenticate'], undefined, 'a backed-off answer does not invite another guess');
    assert.match(r.body, /429 Too Many Requests/);
  }

  // the real operator from another source is not slowed
  const operator = await request(port, '/stats;csv', { auth: good, localAddress: '127.0.0.2' });
  assert.equal(operator.status, 200);

  // the attacking source: each guess is checked no earlier than the back-off after the previous
  // failure says, and each further failure doubles the wait. The server saw the previous
  // failure after we sent it and answers the next one before we read it, so on one clock:
  // next answer read - previous request sent >= back-off.
  const backoffAfter = (failures: number) => (failures < DEFAULT_BACKOFF.threshold ? 0 : Math.min(10_000, 1000 * 2 ** (failures - DEFAULT_BACKOFF.threshold)));
  const checked = replies.filter((r) => r.status === 401);
  for (let i = 1; i < checked.length; i++) assert.ok(checked[i]!.at - checked[i - 1]!.sent >= backoffAfter(i));
  while (checked.length < DEFAULT_BACKOFF.threshold + 2) {
    let r: Reply;
    do {
      await new Promise((res) => setTimeout(res, 100));
      r = await request(port, '/stats', { auth: wrong });
    } while (r.status === 429);
    assert.equal(r.status, 401);
    const gap = r.at - checked.at(-1)!.sent;
    assert.ok(gap >= backoffAfter(checked.length), `guess checked ${gap} ms after the previous failure, back-off is ${backoffAfter(checked.length)} ms`);
    checked.push(r);
  }
  const waitNow = await request(port, '/stats', { auth: good });
  assert.equal(waitNow.status, 429, 'even the right password waits while the source is backed off');
  const retryAfter = Number(waitNow.headers['retry-after']);
  assert.equal(retryAfter, backoffAfter(checked.length) / 1000);

  // no permanent lock-out: after the window, the right password works from the same source
  await new Promise((res) => setTimeout(res, retryAfter * 1000));
  let back: Reply | undefined;
  await until('the operator gets in after the back-off', async () => {
    back = await request(port, '/stats;csv', { auth: good });
    return back.status !== 429;
  });
  assert.equal(back!.status, 200);
  // ...and that good login forgets the failures
  assert.equal((await request(port, '/stats', { auth: wrong })).status, 401);
  assert.equal((await request(port, '/stats', { auth: good })).status, 200);

  // logged once for the source (on stderr, and once to the \`log\` target), without any password
  await until('the back-off log line', () => /failed logins from 127\.0\.0\.1/.test(sy.output()));
  assert.equal(sy.output().match(/^\[WARNING\].*failed logins from 127\.0\.0\.1/gm)!.length, 1);
  assert.equal(sy.output().match(/^stats: .*failed logins from 127\.0\.0\.1/gm)!.length, 1);
  assert.ok(!sy.output().includes(SECRET) && !sy.output().includes('guess'));
});
