// The same faulty backends behind Debian's HAProxy 2.6 and behind Switchyard, on the same
// config (`retries 3`, `option redispatch`, checks on): clients must see the same statuses and
// the stats CSV must count the same econ / eresp / wretr / wredis / srv_abrt / hrsp_*.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { freePorts } from '../helpers/ports.js';
import { canConnect, startSwitchyard, writeConfig } from '../helpers/switchyard.js';
import { statsRows, waitFor } from '../e2e/dataplane-helpers.js';
import { closedPort, faultBackend, freshRequests, summary, type Fault, type FaultBackend } from './fault-backends.js';

const HAPROXY = '/usr/sbin/haproxy';
const REQUESTS = 12;
const CONCURRENCY = 6;

/** refuse-alone: the refusing server is the only usable one (the other is `disabled`) and passes its checks. */
type Scenario = 'refuse' | 'refuse-alone' | Exclude<Fault, 'healthy' | 'close-after-response'>;
const KEYS = ['stot', 'lbtot', 'econ', 'eresp', 'wretr', 'wredis', 'srv_abrt', 'hrsp_2xx', 'hrsp_5xx'];

interface Observed {
  outcomes: string;
  bad: Record<string, number>;
  be: Record<string, number>;
}

function config(fe: number, st: number, servers: string): string {
  return `global
    maxconn 200
defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 1s
    retries 3
    option redispatch
listen stats
    bind 127.0.0.1:${st}
    stats enable
    stats uri /stats
frontend fe
    bind 127.0.0.1:${fe}
    default_backend app
backend app
    balance roundrobin
${servers}`;
}

async function startHaproxy(cfg: string, ports: number[]): Promise<{ stop(): Promise<void> }> {
  const { cfgPath } = writeConfig(cfg);
  const proc = spawn(HAPROXY, ['-db', '-f', cfgPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  const exited = new Promise((r) => proc.on('exit', r));
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  };
  try {
    for (const p of ports) await waitFor(async () => proc.exitCode !== null || (await canConnect(p)), `haproxy on ${p}`);
    if (proc.exitCode !== null) throw new Error(`haproxy exited: ${err}`);
  } catch (e) {
    await stop();
    throw e;
  }
  return { stop };
}

/** How long the requests of the last observe() took. */
let lastElapsedMs = 0;

async function observe(which: 'haproxy' | 'switchyard', scenario: Scenario, requests = REQUESTS): Promise<Observed> {
  const [fe, st, okPort, badPort] = await freePorts(4);
  const ok = await faultBackend(okPort!, 'healthy');
  let bad: FaultBackend | undefined;
  let servers = `    server ok 127.0.0.1:${okPort} check inter 200ms fall 2 rise 2\n`;
  if (scenario === 'refuse') servers += `    server bad 127.0.0.1:${await closedPort()} check inter 200ms fall 2 rise 2\n`;
  else if (scenario === 'refuse-alone') {
    bad = await faultBackend(badPort!, 'healthy');
    servers = `    server ok 127.0.0.1:${okPort} disabled\n    server bad 127.0.0.1:${await closedPort()} check port ${badPort} inter 200ms fall 2 rise 2\n`;
  } else {
    bad = await faultBackend(badPort!, scenario);
    servers += `    server bad 127.0.0.1:${badPort} check inter 200ms fall 2 rise 2\n`;
  }
  const cfg = config(fe!, st!, servers);
  let proxy: { stop(): Promise<unknown> } | undefined;
  try {
    proxy = which === 'haproxy' ? await startHaproxy(cfg, [fe!, st!]) : await startSwitchyard(cfg, [fe!, st!]);
    const started = Date.now();
    const r = await freshRequests(fe!, '/x', requests, CONCURRENCY);
    lastElapsedMs = Date.now() - started;
    const row = async (sv: string): Promise<Record<string, number>> => {
      const found = (await statsRows(st!)).find((x) => x.pxname === 'app' && x.svname === sv)!;
      return Object.fromEntries(KEYS.map((k) => [k, Number(found[k])]));
    };
    // Counters settle when the last stream ends on the proxy's side.
    await waitFor(async () => Number((await statsRows(st!)).find((x) => x.pxname === 'app' && x.svname === 'BACKEND')!.scur) === 0, 'streams ended');
    const outcomes = [...r.outcomes].sort(([a], [b]) => String(a).localeCompare(String(b)));
    return { outcomes: summary({ ...r, outcomes: new Map(outcomes) }), bad: await row('bad'), be: await row('BACKEND') };
  } finally {
    await proxy?.stop();
    await ok.close();
    await bad?.close();
  }
}

for (const scenario of ['reset-before-response', 'close-before-response', 'close-mid-header', 'reset-mid-body', 'close-mid-body', 'garbage', 'hang'] as const) {
  test(`${scenario}: same statuses and counters as HAProxy 2.6`, async () => {
    const theirs = await observe('haproxy', scenario);
    const ours = await observe('switchyard', scenario);
    assert.deepEqual(ours, theirs);
  });
}

test('reset-mid-header: same statuses and counters as HAProxy 2.6 but for a reset Node saw as a close', async () => {
  const theirs = await observe('haproxy', 'reset-mid-header');
  const ours = await observe('switchyard', 'reset-mid-header');
  // HAProxy counts two eresp per 502 here; Node reports a reset that arrives right behind the
  // partial head as a plain close, which counts one.
  const e502 = REQUESTS / 2;
  assert.equal(theirs.bad.eresp, 2 * e502);
  assert.ok(ours.bad.eresp >= e502 && ours.bad.eresp <= 2 * e502, `eresp ${ours.bad.eresp}`);
  assert.equal(ours.be.eresp, ours.bad.eresp);
  const withoutEresp = (o: Observed) => ({ ...o, bad: { ...o.bad, eresp: 0 }, be: { ...o.be, eresp: 0 } });
  assert.deepEqual(withoutEresp(ours), withoutEresp(theirs));
});

test('refuse: zero errors and the same redispatch accounting as HAProxy 2.6', async () => {
  // How many picks reach the refusing server before its checks fail depends on timing, so
  // compare what must hold whatever that number is.
  const facts = (o: Observed) => ({
    outcomes: o.outcomes,
    stot: o.be.stot,
    econ: [o.bad.econ, o.be.econ],
    wretr: [o.bad.wretr, o.be.wretr],
    everyPickRedispatched: o.bad.wredis === o.bad.lbtot && o.be.wredis === o.bad.wredis,
    hrsp: [o.bad.hrsp_2xx, o.bad.hrsp_5xx, o.be.hrsp_5xx],
  });
  const theirs = facts(await observe('haproxy', 'refuse'));
  const ours = facts(await observe('switchyard', 'refuse'));
  assert.deepEqual(ours, theirs);
  assert.equal(theirs.outcomes, `200=${REQUESTS}`);
});

test('refuse with no other usable server: retried on the same server, then 503; same wretr and econ as HAProxy 2.6', async () => {
  // HAProxy waits up to a second between two attempts on the same server, so few requests.
  const theirs = await observe('haproxy', 'refuse-alone', 2);
  const ours = await observe('switchyard', 'refuse-alone', 2);
  // Three retries, each after the turn-around wait of min(timeout connect, 1s), as HAProxy does.
  assert.ok(lastElapsedMs >= 2500, `503 after ${lastElapsedMs} ms`);
  assert.deepEqual(ours, theirs);
  assert.equal(theirs.outcomes, '503=2');
  assert.equal(theirs.be.wretr, 6);
});
