import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  initialServerState, serverStatusText, transition, checkStatusField, effectiveWeight, downtimeMs,
  probeReason, type ServerEvent, type TransitionCtx, type Effect,
} from '../../src/core/server-state.js';
import { AdminFlag, OpState, type ServerState } from '../../src/core/server-state-types.js';

const T0 = 1_000_000;
const ctx: TransitionCtx = { slowstartMs: 0, onMarkedDownShutdownSessions: false };
const l4ok = { status: 'L4OK' as const, desc: '', durationMs: 0 };
const l4con = { status: 'L4CON' as const, desc: 'Connection refused', durationMs: 0 };
const l7okc = { status: 'L7OKC' as const, code: 404, desc: 'Not Found', durationMs: 1 };

function base(agent = false): ServerState {
  return initialServerState({ check: true, agent, rise: 2, fall: 3, weight: 1, disabled: false }, T0);
}
function withCheck(s: ServerState, patch: Partial<ServerState['check']>): ServerState {
  return { ...s, check: { ...s.check, ...patch } };
}

// rise 2 / fall 3: full health is 4.
const STATES: Record<string, ServerState> = {
  UP: withCheck(base(), { health: 4 }),
  'UP 1/3': withCheck(base(), { health: 2 }),
  DOWN: { ...withCheck(base(), { health: 0 }), op: OpState.STOPPED },
  'DOWN 1/2': { ...withCheck(base(), { health: 1 }), op: OpState.STOPPED },
  NOLB: { ...withCheck(base(), { health: 4 }), op: OpState.STOPPING },
  DRAIN: { ...withCheck(base(), { health: 4 }), admin: AdminFlag.FDRAIN },
  'DRAIN+DOWN': { ...withCheck(base(), { health: 0 }), admin: AdminFlag.FDRAIN, op: OpState.STOPPED },
  MAINT: { ...withCheck(base(), { health: 4 }), admin: AdminFlag.FMAINT, op: OpState.STOPPED },
  'no check': withCheck(base(), { health: 4, enabled: false }),
  'forced DOWN, checks off': { ...withCheck(base(), { health: 0, enabled: false }), op: OpState.STOPPED },
};

const EVENTS: Record<string, ServerEvent> = {
  pass: { type: 'check', outcome: 'pass', result: l4ok },
  fail: { type: 'check', outcome: 'fail', result: l4con },
  cond: { type: 'check', outcome: 'cond', result: l7okc },
  ready: { type: 'admin', action: 'ready' },
  drain: { type: 'admin', action: 'drain' },
  maint: { type: 'admin', action: 'maint' },
  hrunn: { type: 'force-health', to: 'up' },
  hnolb: { type: 'force-health', to: 'stopping' },
  hdown: { type: 'force-health', to: 'down' },
  dhlth: { type: 'health-checks', enable: false },
  ehlth: { type: 'health-checks', enable: true },
  weight0: { type: 'weight', weight: 0 },
  tick: { type: 'tick' },
  start: { type: 'check-start' },
};

// Expected status text after each event, one row per state, columns in EVENTS order.
const COLS = Object.keys(EVENTS);
const TABLE: Record<string, string[]> = {
  //                     pass        fail        cond        ready      drain        maint    hrunn       hnolb   hdown   dhlth       ehlth       weight0     tick        start
  UP: ['UP', 'UP 2/3', 'NOLB', 'UP', 'DRAIN', 'MAINT', 'UP', 'NOLB', 'DOWN', 'no check', 'UP', 'UP', 'UP', 'UP'],
  'UP 1/3': ['UP', 'DOWN', 'NOLB', 'UP 1/3', 'DRAIN 1/3', 'MAINT', 'UP', 'NOLB', 'DOWN', 'no check', 'UP 1/3', 'UP 1/3', 'UP 1/3', 'UP 1/3'],
  DOWN: ['DOWN 1/2', 'DOWN', 'DOWN 1/2', 'DOWN', 'DOWN', 'MAINT', 'UP', 'NOLB', 'DOWN', 'DOWN', 'DOWN', 'DOWN', 'DOWN', 'DOWN'],
  'DOWN 1/2': ['UP', 'DOWN', 'NOLB', 'DOWN 1/2', 'DOWN 1/2', 'MAINT', 'UP', 'NOLB', 'DOWN', 'DOWN', 'DOWN 1/2', 'DOWN 1/2', 'DOWN 1/2', 'DOWN 1/2'],
  NOLB: ['UP', 'NOLB 2/3', 'NOLB', 'NOLB', 'NOLB', 'MAINT', 'UP', 'NOLB', 'DOWN', 'NOLB', 'NOLB', 'NOLB', 'NOLB', 'NOLB'],
  DRAIN: ['DRAIN', 'DRAIN 2/3', 'NOLB', 'UP', 'DRAIN', 'MAINT', 'DRAIN', 'NOLB', 'DOWN', 'DRAIN', 'DRAIN', 'DRAIN', 'DRAIN', 'DRAIN'],
  'DRAIN+DOWN': ['DOWN 1/2', 'DOWN', 'DOWN 1/2', 'DOWN', 'DOWN', 'MAINT', 'DRAIN', 'NOLB', 'DOWN', 'DOWN', 'DOWN', 'DOWN', 'DOWN', 'DOWN'],
  MAINT: ['MAINT', 'MAINT', 'MAINT', 'UP 1/3', 'DRAIN 1/3', 'MAINT', 'MAINT', 'MAINT', 'MAINT', 'MAINT', 'MAINT', 'MAINT', 'MAINT', 'MAINT'],
  'no check': ['no check', 'no check', 'no check', 'no check', 'DRAIN', 'MAINT', 'no check', 'NOLB', 'DOWN', 'no check', 'UP', 'no check', 'no check', 'no check'],
  'forced DOWN, checks off': ['DOWN', 'DOWN', 'DOWN', 'DOWN', 'DOWN', 'MAINT', 'no check', 'NOLB', 'DOWN', 'DOWN', 'DOWN', 'DOWN', 'DOWN', 'DOWN'],
};

test('initial states have the texts the table starts from', () => {
  for (const [name, st] of Object.entries(STATES)) {
    const expect = name === 'DRAIN+DOWN' || name === 'forced DOWN, checks off' ? 'DOWN' : name;
    assert.equal(serverStatusText(st), expect, name);
  }
});

test('every (state, event) pair gives the expected status text', () => {
  for (const [stateName, row] of Object.entries(TABLE)) {
    assert.equal(row.length, COLS.length, stateName);
    COLS.forEach((ev, i) => {
      const { state } = transition(STATES[stateName]!, EVENTS[ev]!, T0 + 5000, ctx);
      assert.equal(serverStatusText(state), row[i], `${stateName} + ${ev}`);
    });
  }
});

test('transitions never mutate their input', () => {
  for (const st of Object.values(STATES)) {
    const copy = structuredClone(st);
    for (const ev of Object.values(EVENTS)) transition(st, ev, T0 + 1, ctx);
    assert.deepEqual(st, copy);
  }
});

const kinds = (fx: Effect[]): string[] => fx.map((f) => (f.kind === 'log' ? `log:${f.change.kind}` : f.kind));

test('UP 1/3 failing once more goes DOWN: chkfail, chkdown, downtime start, log and balancer effects', () => {
  const t = transition(STATES['UP 1/3']!, EVENTS.fail!, T0 + 2000, ctx);
  assert.equal(t.state.op, OpState.STOPPED);
  assert.equal(t.state.check.health, 0);
  assert.equal(t.state.chkfail, 1);
  assert.equal(t.state.chkdown, 1);
  assert.equal(t.state.lastChangeMs, T0 + 2000);
  assert.equal(t.state.check.status, 'L4CON');
  assert.equal(t.state.check.desc, 'Connection refused');
  assert.deepEqual(kinds(t.effects), ['log:down', 'balancer']);
  assert.equal(downtimeMs(t.state, T0 + 5000), 3000);
  const log = t.effects[0]!;
  assert.ok(log.kind === 'log' && log.change.kind === 'down');
  assert.equal(log.change.reason, 'reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms');
});

test('failed checks while already DOWN do not count in chkfail', () => {
  const t = transition(STATES.DOWN!, EVENTS.fail!, T0 + 1, ctx);
  assert.equal(t.state.chkfail, 0);
  assert.equal(t.state.chkdown, 0);
});

test('on-marked-down shutdown-sessions asks to kill sessions', () => {
  const t = transition(STATES['UP 1/3']!, EVENTS.fail!, T0, { ...ctx, onMarkedDownShutdownSessions: true });
  assert.ok(kinds(t.effects).includes('kill-sessions'));
});

test('DOWN comes back after rise passes and accumulates downtime', () => {
  let s = transition(STATES.UP!, EVENTS.hdown!, T0, ctx).state;
  assert.equal(s.chkdown, 1);
  s = transition(s, EVENTS.pass!, T0 + 1000, ctx).state;
  assert.equal(serverStatusText(s), 'DOWN 1/2');
  const t = transition(s, EVENTS.pass!, T0 + 2000, ctx);
  assert.equal(serverStatusText(t.state), 'UP');
  assert.equal(t.state.downtimeMs, 2000);
  assert.equal(t.state.downSinceMs, undefined);
  assert.deepEqual(kinds(t.effects), ['log:up', 'balancer']);
});

test('DRAIN while DOWN stays DOWN and shows DRAIN once checks bring it back', () => {
  let s = transition(STATES.DOWN!, EVENTS.drain!, T0, ctx).state;
  assert.equal(serverStatusText(s), 'DOWN');
  s = transition(s, EVENTS.pass!, T0 + 1, ctx).state;
  s = transition(s, EVENTS.pass!, T0 + 2, ctx).state;
  assert.equal(serverStatusText(s), 'DRAIN');
  assert.equal(effectiveWeight(s, 0, T0 + 3), 0);
});

test('MAINT during a check in flight: the late result is dropped and checks are paused', () => {
  let s = transition(STATES.UP!, EVENTS.start!, T0, ctx).state;
  assert.equal(checkStatusField(s), '* INI');
  const m = transition(s, EVENTS.maint!, T0 + 10, ctx);
  s = m.state;
  assert.equal(s.check.running, false);
  assert.equal(s.chkdown, 1);
  assert.equal(checkStatusField(s), '');
  assert.deepEqual(kinds(m.effects), ['log:maint', 'balancer']);
  const late = transition(s, EVENTS.fail!, T0 + 20, ctx).state;
  assert.equal(late.chkfail, 0);
  assert.equal(late.check.health, 0);
  assert.equal(transition(s, EVENTS.start!, T0 + 30, ctx).state.check.running, false);
});

test('READY after MAINT puts the server on probation and wakes the checks', () => {
  const m = transition(STATES.UP!, EVENTS.maint!, T0, ctx).state;
  const t = transition(m, EVENTS.ready!, T0 + 3000, ctx);
  assert.equal(serverStatusText(t.state), 'UP 1/3');
  assert.equal(t.state.downtimeMs, 3000);
  assert.deepEqual(kinds(t.effects), ['log:leave-maint', 'wake-checks', 'balancer']);
  assert.equal(serverStatusText(transition(t.state, EVENTS.fail!, T0 + 4000, ctx).state), 'DOWN');
  assert.equal(serverStatusText(transition(t.state, EVENTS.pass!, T0 + 4000, ctx).state), 'UP');
});

test('force DOWN while checks are disabled stays DOWN and still counts chkdown', () => {
  const off = transition(STATES.UP!, EVENTS.dhlth!, T0, ctx).state;
  const t = transition(off, EVENTS.hdown!, T0 + 1, ctx);
  assert.equal(serverStatusText(t.state), 'DOWN');
  assert.equal(t.state.chkdown, 1);
  assert.equal(transition(t.state, EVENTS.tick!, T0 + 5000, ctx).state.op, OpState.STOPPED);
  const back = transition(t.state, EVENTS.ehlth!, T0 + 6000, ctx);
  assert.equal(serverStatusText(back.state), 'DOWN');
  assert.deepEqual(kinds(back.effects), ['wake-checks']);
});

test('config-disabled server starts in MAINT with FMAINT|CMAINT, READY clears both', () => {
  const s = initialServerState({ check: true, agent: false, rise: 2, fall: 3, weight: 1, disabled: true }, T0);
  assert.equal(s.admin, 5);
  assert.equal(serverStatusText(s), 'MAINT');
  assert.equal(transition(s, EVENTS.ready!, T0 + 1, ctx).state.admin, 0);
});

test('agent replies: drain, weight percent, down, up, maint, ready (as observed on 2.6)', () => {
  const reply = (r: object, status: 'L7OK' | 'L7STS' = 'L7OK', desc = ''): ServerEvent =>
    ({ type: 'agent', result: { status, desc, durationMs: 0 }, reply: r });
  let s = base(true);
  s = transition(s, reply({ admin: 'drain' }), T0, ctx).state;
  assert.equal(serverStatusText(s), 'DRAIN (agent)');
  s = transition(s, reply({ weightPct: 50 }), T0, ctx).state;
  assert.equal(s.weight, 0);
  assert.equal(serverStatusText(s), 'DRAIN (agent)');
  s = transition(s, reply({ health: 'down' }, 'L7STS', 'via agent : down'), T0, ctx).state;
  assert.equal(serverStatusText(s), 'DOWN (agent)');
  assert.equal(s.agent.desc, 'via agent : down');
  s = transition(s, reply({ health: 'up' }), T0, ctx).state;
  assert.equal(serverStatusText(s), 'DRAIN (agent)');
  s = transition(s, reply({ admin: 'maint' }), T0, ctx).state;
  assert.equal(serverStatusText(s), 'MAINT');
  s = transition(s, reply({ admin: 'ready' }), T0, ctx).state;
  assert.equal(serverStatusText(s), 'UP 1/3');
  const unreachable = transition(s, { type: 'agent', result: { status: 'L4CON', desc: 'Connection refused', durationMs: 0 } }, T0, ctx);
  assert.equal(unreachable.state.op, s.op);
  assert.equal(unreachable.state.agent.status, 'L4CON');
});

test('agent force up/down and agent disable', () => {
  let s = base(true);
  s = transition(s, { type: 'force-agent', to: 'down' }, T0, ctx).state;
  assert.equal(serverStatusText(s), 'DOWN (agent)');
  s = transition(s, { type: 'force-agent', to: 'up' }, T0, ctx).state;
  assert.equal(serverStatusText(s), 'UP 1/3');
  s = transition(s, { type: 'agent-checks', enable: false }, T0, ctx).state;
  assert.equal(s.agent.enabled, false);
});

test('slowstart: coming up ramps the effective weight, tick ends the ramp', () => {
  const slow = { ...ctx, slowstartMs: 10_000 };
  const down = { ...STATES.DOWN!, weight: 10, initialWeight: 10 };
  let s = transition(down, { type: 'force-health', to: 'up' }, T0, slow).state;
  assert.equal(s.op, OpState.STARTING);
  assert.equal(effectiveWeight(s, 10_000, T0), 1);
  assert.equal(effectiveWeight(s, 10_000, T0 + 5000), 5);
  assert.equal(transition(s, EVENTS.tick!, T0 + 5000, slow).state.op, OpState.STARTING);
  s = transition(s, EVENTS.tick!, T0 + 10_000, slow).state;
  assert.equal(s.op, OpState.RUNNING);
  assert.equal(effectiveWeight(s, 10_000, T0 + 10_000), 10);
});

test('probe reasons in HAProxy wording', () => {
  assert.equal(probeReason({ status: 'L7STS', code: 500, desc: 'Internal Server Error', durationMs: 3 }),
    'reason: Layer7 wrong status, code: 500, info: "Internal Server Error", check duration: 3ms');
  assert.equal(probeReason(l4ok), 'reason: Layer4 check passed, check duration: 0ms');
});

test('tracking copies MAINT as inherited and DOWN from the tracked server', () => {
  const tracker = initialServerState({ check: false, agent: false, rise: 2, fall: 3, weight: 1, disabled: false }, T0);
  const m = transition(tracker, { type: 'tracked', ref: STATES.MAINT! }, T0, ctx).state;
  assert.equal(m.admin, AdminFlag.IMAINT);
  assert.equal(serverStatusText(m, 'app/web1'), 'MAINT (via app/web1)');
  const d = transition(tracker, { type: 'tracked', ref: STATES.DOWN! }, T0, ctx).state;
  assert.equal(d.op, OpState.STOPPED);
  const back = transition(d, { type: 'tracked', ref: STATES.UP! }, T0, ctx).state;
  assert.equal(serverStatusText(back, 'app/web1'), 'UP');
});

test('show servers state numbers: check state masks, status and result numbers as observed', async () => {
  const { checkStateMask, checkStatusNumber, checkResultNumber } = await import('../../src/core/server-state.js');
  assert.equal(checkStateMask(STATES.UP!, 'check'), 6);
  assert.equal(checkStateMask(STATES.MAINT!, 'check'), 14);
  assert.equal(checkStateMask(initialServerState({ check: false, agent: false, rise: 2, fall: 3, weight: 1, disabled: false }, T0), 'check'), 0);
  assert.equal(checkStateMask(base(true), 'agent'), 22);
  assert.deepEqual([checkStatusNumber('L4OK'), checkStatusNumber('L7STS'), checkStatusNumber('UNK')], [6, 17, 0]);
  assert.deepEqual([checkResultNumber('L4OK'), checkResultNumber('L7STS'), checkResultNumber('L7OKC'), checkResultNumber('INI')], [3, 2, 4, 0]);
});
