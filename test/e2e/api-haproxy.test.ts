// Debian HAProxy 2.6 and Switchyard on the same seed config (same backends, own listening
// ports and sockets), both asked over their stats socket with socat: `show stat` has the same
// header, rows and empty cells; `show servers state` the same lines; commands and their error
// replies the same bytes, before and after the same state changes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/ports.js';
import { startSwitchyard } from '../helpers/switchyard.js';
import { seedOnFreePorts, until } from '../stats/seed.js';
import { socat } from './api-helpers.js';
import { assertSameCsvShape } from '../helpers/csv-compare.js';

const SAME_VALUE = ['pxname', 'svname', 'status', 'weight', 'act', 'bck', 'pid', 'iid', 'sid', 'type', 'slim', 'check_status', 'check_code', 'check_desc', 'check_rise', 'check_fall', 'check_health', 'mode', 'uweight', 'qlimit', 'rate_lim', 'chkdown', 'addr', 'cookie', 'algo'];

/** Replies that depend on nothing but the config and the command. */
const COMMANDS = [
  'show backend', 'show cli level', 'get weight app/web1', 'get weight app', 'get weight nope/web1',
  'set server app state drain', 'set server app/nope state drain', 'set server nope/web1 state drain',
  'set server app/web1 state bogus', 'set server app/web1 health bogus', 'set server app/web1 agent up',
  'set server app/web1 agent sideways', 'set server app/web1 weight 300', 'set server app/web1 weight -3',
  'set weight app/web1 -1%', 'set server app/web1', 'set server app/web1 bogus', 'set server app/web1 addr bogus',
  'set server app/web1 check-port', 'set server app/web1 check-port abc', 'set server app/web1 addr 127.0.0.1',
  'enable agent app/web1', 'set maxconn frontend nope 10', 'set maxconn frontend', 'set maxconn frontend web',
  'set maxconn frontend web -5', 'set maxconn server app/web1', 'set maxconn server app/web1 x', 'set maxconn global',
  'set timeout server 5', 'set timeout cli', 'set timeout cli abc', 'disable frontend', 'disable frontend nope',
  'shutdown session', 'shutdown session 0x99', 'show sess 0x99', 'show servers state nope', 'show stat nope 4 2',
];

/** The same changes on both sides, each answered the same way. */
const CHANGES = [
  'set server app/web1 state drain', 'set weight app/web2 50%', 'set server app/web2 weight 7',
  'disable server app/web2', 'set server app/web1 check-port 8081', 'set maxconn server app/web1 100',
  'set maxconn frontend web 500',
];

function compareStat(ours: string, theirs: string): void {
  assertSameCsvShape(ours, theirs, SAME_VALUE);
}

/** `show servers state` without the seconds-since-last-change column. */
function serversState(text: string): string[] {
  return text.split('\n').map((l) => (/^\d+ /.test(l) && l.includes(' ') && l.split(' ').length > 20 ? l.split(' ').filter((_f, i) => i !== 9).join(' ') : l));
}

/** Retries an assertion over both sockets while health checks may still be moving (load). */
async function eventually(what: string, check: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

const settled = (state: string): boolean => /^3 app 1 web1 127\.0\.0\.1 2 0 1 1 \d+ 15 3 4 6 /m.test(state) && /^3 app 2 web2 127\.0\.0\.1 2 0 1 1 \d+ 15 3 4 6 /m.test(state);

test('Debian haproxy and Switchyard answer the same over their stats sockets', async (t) => {
  const seed = await seedOnFreePorts();
  t.after(() => seed.close());
  const ourSock = /stats socket (\S+)/.exec(seed.cfg)![1]!;
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-api-hap-'));
  const theirSock = path.join(dir, 'hap.sock');
  const [hapWeb, hapStats] = [await freePort(), await freePort()];
  const hapCfg = seed.cfg
    .replace(`127.0.0.1:${seed.webPort}`, `127.0.0.1:${hapWeb}`)
    .replace(`127.0.0.1:${seed.statsPort}`, `127.0.0.1:${hapStats}`)
    .replace(/stats socket \S+/, `stats socket ${theirSock}`);
  writeFileSync(path.join(dir, 'haproxy.cfg'), hapCfg);
  const hap = spawn('/usr/sbin/haproxy', ['-db', '-f', path.join(dir, 'haproxy.cfg')], { stdio: 'ignore' });
  t.after(() => {
    hap.kill('SIGKILL');
  });
  const sy = await startSwitchyard(seed.cfg, [seed.webPort]);
  t.after(() => sy.stop());

  await until('haproxy servers fully up', async () => settled(await socat(theirSock, 'show servers state\n')));
  await until('switchyard servers fully up', async () => settled(await socat(ourSock, 'show servers state\n')));

  await eventually('show stat and show servers state agree', async () => {
    compareStat(await socat(ourSock, 'show stat\n'), await socat(theirSock, 'show stat\n'));
    assert.deepEqual(serversState(await socat(ourSock, 'show servers state\n')), serversState(await socat(theirSock, 'show servers state\n')));
  });
  const infoKeys = (s: string): string[] => s.split('\n').map((l) => l.split(':')[0]!);
  assert.deepEqual(infoKeys(await socat(ourSock, 'show info\n')), infoKeys(await socat(theirSock, 'show info\n')));

  // Typed and JSON forms: the same objects, fields, tags and types (values aside).
  const typedKeys = (text: string): string[] => text.split('\n').map((l) => l.split(':').slice(0, 3).join(':'));
  for (const cmd of ['show stat typed', 'show info typed', 'show stat -1 4 -1 typed']) {
    assert.deepEqual(typedKeys(await socat(ourSock, cmd + '\n')), typedKeys(await socat(theirSock, cmd + '\n')), cmd);
  }
  type JsonItem = { objType?: string; proxyId?: number; id?: number; field: { pos: number; name: string }; tags: unknown; value: { type: string } };
  const jsonKeys = (text: string): string[] =>
    (JSON.parse(text) as (JsonItem | JsonItem[])[]).flat().map((x) => JSON.stringify([x.objType, x.proxyId, x.id, x.field, x.tags, x.value.type]));
  for (const cmd of ['show stat json', 'show info json']) {
    assert.deepEqual(jsonKeys(await socat(ourSock, cmd + '\n')), jsonKeys(await socat(theirSock, cmd + '\n')), cmd);
  }
  assert.equal(await socat(ourSock, 'show schema json\n'), await socat(theirSock, 'show schema json\n'));

  for (const cmd of [...COMMANDS, ...CHANGES]) {
    assert.equal(await socat(ourSock, cmd + '\n'), await socat(theirSock, cmd + '\n'), cmd);
  }
  await eventually('show stat and show servers state agree after the changes', async () => {
    assert.deepEqual(serversState(await socat(ourSock, 'show servers state\n')), serversState(await socat(theirSock, 'show servers state\n')));
    compareStat(await socat(ourSock, 'show stat\n'), await socat(theirSock, 'show stat\n'));
  });
  const line = 'get weight app/web2; show cli level; set server app/web2 state ready; get weight app/web1\n';
  assert.equal(await socat(ourSock, line), await socat(theirSock, line));
  assert.equal(await socat(ourSock, 'prompt\nshow cli level\nquit\n'), await socat(theirSock, 'prompt\nshow cli level\nquit\n'));
});
