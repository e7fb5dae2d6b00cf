import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CSV_HEADER, renderCsv } from '../../src/stats/csv.js';
import { buildSnapshot } from '../../src/stats/snapshot.js';
import { AdminFlag, OpState } from '../../src/core/server-state-types.js';
import { MIXED, SEED, runtimeFrom } from './fixture.js';
import type { Runtime } from '../../src/core/runtime.js';
import { SAMPLES } from '../helpers/shared.js';


const sample = (name: string): string => readFileSync(`${SAMPLES}/${name}`, 'utf8');
const T0 = 1_700_000_000_000;

function parse(csv: string): { header: string[]; rows: Map<string, string[]> } {
  const lines = csv.split('\n').filter((l) => l.length > 0);
  const header = lines[0]!.slice(2).split(',');
  const rows = new Map<string, string[]>();
  for (const l of lines.slice(1)) {
    const cells = l.split(',');
    rows.set(`${cells[0]}/${cells[1]}`, cells);
  }
  return { header, rows };
}

// Fields whose values depend on traffic and timing, not on state: compared for emptiness only.
const STATE_FIELDS = [
  'pxname', 'svname', 'status', 'weight', 'act', 'bck', 'pid', 'iid', 'sid', 'type', 'tracked',
  'check_status', 'check_code', 'check_desc', 'check_rise', 'check_fall', 'check_health', 'last_chk',
  'agent_status', 'agent_desc', 'agent_rise', 'agent_fall', 'agent_health', 'last_agt',
  'mode', 'addr', 'algo', 'uweight', 'rate_lim', 'qlimit', 'throttle',
];

/** Every row of `expected` exists in `actual` with the same empty cells and the same state fields. */
function assertLike(actualCsv: string, expectedCsv: string, skip: string[] = []): void {
  const a = parse(actualCsv);
  const e = parse(expectedCsv);
  assert.deepEqual(a.header, e.header);
  assert.deepEqual([...a.rows.keys()], [...e.rows.keys()]);
  for (const [key, exp] of e.rows) {
    const act = a.rows.get(key)!;
    assert.equal(act.length, exp.length, key);
    for (let i = 0; i < exp.length; i++) {
      const name = e.header[i]!;
      if (skip.includes(name)) continue;
      assert.equal(act[i] === '', exp[i] === '', `${key} ${name}: emptiness of '${act[i]}' vs '${exp[i]}'`);
      if (STATE_FIELDS.includes(name)) assert.equal(act[i], exp[i], `${key} ${name}`);
    }
  }
}

function seedRuntime(): Runtime {
  const rt = runtimeFrom(SEED, T0);
  // sessions seen in the capture, so lastsess is a number rather than -1
  for (const px of rt.proxies) {
    px.beCounters.lastSess = T0;
    for (const s of px.servers) s.counters.lastSess = T0;
  }
  return rt;
}

test('CSV header is HAProxy 2.6.12 header byte for byte', () => {
  assert.equal(CSV_HEADER, sample('stats-initial.csv').split('\n')[0] + '\n');
  assert.ok(renderCsv(buildSnapshot(seedRuntime(), T0)).startsWith(CSV_HEADER));
});

test('rows right after start match stats-initial.csv', () => {
  const csv = renderCsv(buildSnapshot(seedRuntime(), T0 + 16_000));
  assert.ok(csv.split('\n').slice(1).every((l) => l === '' || l.endsWith(',')));
  assertLike(csv, sample('stats-initial.csv'));
});

test('web1 DOWN by L4CON and web2 DRAIN match the capture', () => {
  const rt = seedRuntime();
  const app = rt.backend('app')!;
  const [web1, web2] = app.servers as [typeof app.servers[0], typeof app.servers[0]];
  Object.assign(web1.state, { op: OpState.STOPPED, chkfail: 4, chkdown: 3 });
  Object.assign(web1.state.check, { health: 0, status: 'L4CON', desc: 'Connection refused' });
  web2.state.admin |= AdminFlag.FDRAIN;
  assertLike(renderCsv(buildSnapshot(rt, T0 + 25_000)), sample('stats-web1-down-web2-drain.csv'));
  web2.state.admin = AdminFlag.FMAINT;
  web2.state.op = OpState.STOPPED;
  assertLike(renderCsv(buildSnapshot(rt, T0 + 27_000)), sample('stats-web1-down-web2-maint.csv'));
});

test('backup, no check, down, agent, track and disabled servers match stats2-mixed.csv', () => {
  const rt = runtimeFrom(MIXED, T0);
  const app2 = rt.backend('app2')!;
  const s = (n: string) => app2.serversByName.get(n)!;
  for (const srv of app2.servers) {
    srv.state.check.status = 'L7OK';
    srv.state.check.code = 200;
    srv.state.check.durationMs = 1;
  }
  Object.assign(s('s4').state, { op: OpState.STOPPED, chkfail: 1, chkdown: 1 });
  Object.assign(s('s4').state.check, { health: 0, status: 'L4CON', code: undefined, desc: 'Connection refused' });
  Object.assign(s('s5').state.agent, { status: 'L7OK', desc: 'via agent : up', durationMs: 1 });
  const m1 = rt.backend('l7')!.servers[0]!;
  Object.assign(m1.state, { op: OpState.STOPPED, chkfail: 1, chkdown: 1 });
  Object.assign(m1.state.check, { health: 0, status: 'L7STS', code: 404, durationMs: 7, desc: 'Not Found' });
  const csv = renderCsv(buildSnapshot(rt, T0 + 11_000), { legends: true });
  // BACKEND slim (fullconn) and the backend's lastsess are derived by the parser/data plane
  assertLike(csv, sample('stats2-mixed.csv'), ['slim', 'lastsess', 'check_duration', 'agent_duration', 'agent_code']);
});

test(';up hides MAINT and DOWN servers and adds (n/m) to the backend status', () => {
  const rt = runtimeFrom(MIXED, T0);
  const app2 = rt.backend('app2')!;
  const s4 = app2.serversByName.get('s4')!;
  Object.assign(s4.state, { op: OpState.STOPPED });
  s4.state.check.health = 0;
  const up = parse(renderCsv(buildSnapshot(rt, T0), { up: true }));
  const names = [...up.rows.keys()].filter((k) => k.startsWith('app2/'));
  assert.deepEqual(names, ['app2/s1', 'app2/s2', 'app2/s3', 'app2/s5', 'app2/s6', 'app2/s8', 'app2/BACKEND']);
  assert.equal(up.rows.get('app2/BACKEND')![17], 'UP (6/8)');
  const noMaint = parse(renderCsv(buildSnapshot(rt, T0), { noMaint: true }));
  assert.ok(noMaint.rows.has('app2/s4'));
  assert.ok(!noMaint.rows.has('app2/s7'));
});

test('scope, proxy/type/server filters and legends', () => {
  const rt = runtimeFrom(SEED, T0);
  const snap = buildSnapshot(rt, T0);
  const scoped = parse(renderCsv(snap, { scope: 'AP' }));
  assert.deepEqual([...scoped.rows.keys()], ['app/web1', 'app/web2', 'app/BACKEND']);
  const app = rt.backend('app')!;
  const onlyServer = parse(renderCsv(snap, { iid: app.id, typeMask: 4, sid: 2 }));
  assert.deepEqual([...onlyServer.rows.keys()], ['app/web2']);
  const feOnly = parse(renderCsv(snap, { typeMask: 1 }));
  assert.deepEqual([...feOnly.rows.keys()], ['web/FRONTEND', 'stats/FRONTEND']);
  const addr = scoped.header.indexOf('addr');
  assert.equal(scoped.rows.get('app/web1')![addr], '');
  assert.equal(parse(renderCsv(snap, { legends: true })).rows.get('app/web1')![addr], '127.0.0.1:8081');
  assert.deepEqual([...parse(renderCsv(snap, { allowedProxies: ['web'] })).rows.keys()], ['web/FRONTEND']);
});
