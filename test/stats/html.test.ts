import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStatsRouter } from '../../src/stats/router.js';
import { groupDigits, humanDuration } from '../../src/stats/format.js';
import type { AppletResponse } from '../../src/proxy/applet.js';
import type { Logger } from '../../src/log/logger.js';
import { AdminFlag, OpState } from '../../src/core/server-state-types.js';
import { MIXED, SEED, runtimeFrom } from './fixture.js';

const log: Logger = { event: () => {}, access: () => {} };

async function get(cfg: string, target: string, headers: Record<string, string> = {}, pxName = 'stats') {
  const rt = runtimeFrom(cfg, Date.now() - 3_000);
  const router = createStatsRouter(rt, log);
  const px = rt.proxies.find((p) => p.name === pxName)!;
  const r = (await router.route(px, 'GET', target)!({
    method: 'GET', target, httpVersion: '1.1', header: (n) => headers[n], body: Buffer.alloc(0), src: '127.0.0.1', srcPort: 1, secure: false,
  })) as AppletResponse;
  return { rt, r, page: String(r.body) };
}

const AUTH = { authorization: 'Basic ' + Buffer.from('admin:admin888').toString('base64') };

test('digit grouping and durations as HAProxy prints them', () => {
  assert.equal(groupDigits(9984), '<span class="rls">9</span>984');
  assert.equal(groupDigits(1234567), '<span class="rls">1</span>23<span class="rls">4</span>567');
  assert.equal(groupDigits(999), '999');
  assert.deepEqual([0, 14, 106, 7500, 273600, -1].map(humanDuration), ['0s', '14s', '1m46s', '2h5m', '3d4h', '?']);
});

test('hide-version, show-node, show-desc, show-legends and a read-only page', async () => {
  const cfg = MIXED.replace('stats show-legends', 'stats show-legends\n    stats hide-version\n    stats show-node mynode\n    stats show-desc the lab');
  const { page, rt } = await get(cfg, '/s', {}, 'stats2');
  assert.match(page, /<h1><a [^>]*>HAProxy<\/a><\/h1>/);
  assert.match(page, /Statistics Report for pid \d+ on mynode: the lab<\/h2>/);
  assert.match(page, new RegExp(`cap: backend, mode: http, id: ${rt.backend('app2')!.id}`));
  assert.match(page, /IPv4: 127\.0\.0\.1:8081, id: 1/);
  assert.match(page, /balancing: roundrobin/);
  assert.doesNotMatch(page, /name="action"/);
  assert.match(page, /via app2\/s1/);
  assert.match(page, /<i>no check<\/i>/);
});

test('row classes: backup, no check, MAINT, DRAIN, going down', async () => {
  const { page } = await get(MIXED, '/s', {}, 'stats2');
  assert.match(page, /<tr class="backup_up" data-px="app2" data-sv="s2"/);
  assert.match(page, /<tr class="active_no_check" data-px="app2" data-sv="s3"/);
  assert.match(page, /<tr class="maintain" data-px="app2" data-sv="s7"/);
  const seed = runtimeFrom(SEED, Date.now());
  const [web1, web2] = seed.backend('app')!.servers;
  web1!.state.admin |= AdminFlag.FDRAIN;
  Object.assign(web2!.state, { op: OpState.RUNNING });
  web2!.state.check.health = 3;
  const router = createStatsRouter(seed, log);
  const stats = seed.proxies.find((p) => p.name === 'stats')!;
  const r = (await router.route(stats, 'GET', '/stats')!({
    method: 'GET', target: '/stats', httpVersion: '1.1', header: (n) => (AUTH as Record<string, string>)[n], body: Buffer.alloc(0), src: '127.0.0.1', srcPort: 1, secure: false,
  })) as AppletResponse;
  const p2 = String(r.body);
  assert.match(p2, /<tr class="active_draining" data-px="app" data-sv="web1" data-status="DRAIN"/);
  assert.match(p2, /<tr class="active_going_down" data-px="app" data-sv="web2" data-status="UP 2\/3"/);
  assert.match(p2, /UP 2\/3 &darr;/);
});

test('display options keep ;up, ;norefresh and scope; banner for each result code', async () => {
  const { page } = await get(SEED, '/stats;up;norefresh?scope=app', AUTH);
  assert.match(page, /href="\/stats;norefresh\?scope=app">Show all servers/);
  assert.match(page, /href="\/stats;up\?scope=app">Enable refresh/);
  assert.match(page, /href="\/stats;csv;norefresh">CSV export/);
  assert.match(page, /name="scope" size="8" maxlength="20" value="app"/);
  assert.doesNotMatch(page, /data-px="web"/);
  for (const [code, cls] of [['DENY', 'active_down'], ['NONE', 'active_going_down'], ['ERRP', 'active_down'], ['ZZZZ', 'active_no_check']]) {
    const b = await get(SEED, `/stats;st=${code}`, AUTH);
    assert.match(b.page, new RegExp(`<div class="banner ${cls}"`), code);
  }
  const refresh = (await get(SEED, '/stats;norefresh', AUTH)).r.headers.find(([k]) => k === 'refresh');
  assert.equal(refresh, undefined);
});
