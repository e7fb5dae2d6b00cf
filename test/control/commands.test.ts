import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createControl, exportOperatorState, applyOperatorState, type Actor } from '../../src/control/commands.js';
import { serverStatusText } from '../../src/core/server-state.js';
import { AdminFlag, OpState } from '../../src/core/server-state-types.js';
import { BASE, recordingLog, runtimeFrom } from '../core/fixture.js';

const CFG = `${BASE}backend app
  server web1 127.0.0.1:18081 check inter 1s rise 2 fall 3
  server web2 127.0.0.1:18082 check inter 1s rise 2 fall 3
  server web3 127.0.0.1:18083 check backup
  server web4 127.0.0.1:18084 track app/web1
frontend fe
  bind 127.0.0.1:18080
  default_backend app
`;
const page: Actor = { via: 'page', user: 'admin', src: '127.0.0.1' };
const cli: Actor = { via: 'socket', src: 'unix' };

function setup() {
  const rt = runtimeFrom(CFG);
  const log = recordingLog();
  const control = createControl(rt, log);
  const app = rt.backend('app')!;
  return { rt, log, control, app, s: (n: string) => app.serversByName.get(n)! };
}

test('drain, maint and ready log HAProxy lines plus an audit line with the actor', () => {
  const { log, control, s } = setup();
  assert.deepEqual(control.serverAction(s('web1'), 'drain', page), { ok: true, applied: true });
  assert.deepEqual(control.serverAction(s('web1'), 'drain', page), { ok: true, applied: false });
  control.serverAction(s('web1'), 'maint', cli);
  control.serverAction(s('web1'), 'ready', cli);
  assert.deepEqual(log.messages(), [
    'Server app/web1 enters drain state. 2 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.',
    'Server app/web4 enters drain state via app/web1. 1 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.',
    'Operator change: server app/web1 drain (via page, user admin, src 127.0.0.1).',
    'Server app/web1 is going DOWN for maintenance. 1 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    'Server app/web4 is going DOWN for maintenance via app/web1. 1 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    'Operator change: server app/web1 maint (via socket, src unix).',
    'Server app/web1 is UP/READY (leaving forced maintenance).',
    'Server app/web4 is UP/READY (leaving maintenance).',
    'Operator change: server app/web1 ready (via socket, src unix).',
  ]);
  assert.equal(serverStatusText(s('web1').state), 'UP 1/3');
});

test('maint propagates to the tracking server as MAINT (via app/web1)', () => {
  const { control, s } = setup();
  control.serverAction(s('web1'), 'maint', cli);
  assert.equal(s('web4').state.admin, AdminFlag.IMAINT);
  assert.equal(serverStatusText(s('web4').state, 'app/web1'), 'MAINT (via app/web1)');
  control.serverAction(s('web1'), 'ready', cli);
  assert.equal(s('web4').state.admin, 0);
  assert.equal(s('web4').state.op, OpState.RUNNING);
});

test('health on a tracking server is refused, agent actions without agent are a no-op with the CLI message', () => {
  const { control, s } = setup();
  assert.deepEqual(control.serverAction(s('web4'), 'hdown', cli), { ok: false, message: 'cannot change health on a tracking server.' });
  assert.deepEqual(control.serverAction(s('web1'), 'adown', cli), { ok: true, applied: false, message: 'agent checks are not enabled on this server.' });
});

test('forced health logs "changed from CLI" or "changed from Web interface"', () => {
  const { log, control, s } = setup();
  control.serverAction(s('web1'), 'hdown', cli);
  control.serverAction(s('web1'), 'hrunn', page);
  const m = log.messages();
  assert.equal(m[0], 'Server app/web1 is DOWN, changed from CLI. 2 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.');
  assert.equal(m[1], 'Server app/web4 is DOWN via app/web1. 1 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.');
  assert.equal(m[3], 'Server app/web1 is UP, changed from Web interface. 2 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.');
});

test('backend losing its last server: alert, backend chkdown and downtime', () => {
  const { log, control, s, app } = setup();
  control.serverAction(s('web1'), 'maint', cli);
  control.serverAction(s('web2'), 'maint', cli);
  // The backup still serves: the backend is not down yet.
  assert.equal(app.chkdown, 0);
  control.serverAction(s('web3'), 'hdown', cli);
  assert.equal(app.chkdown, 1);
  assert.ok(app.downSinceMs !== undefined);
  assert.ok(log.messages().includes("backend 'app' has no server available!"));
  const alert = log.lines.find((l) => l.message.startsWith('backend'))!;
  assert.equal(alert.level, 'alert');
  assert.deepEqual(alert.proxyLog, { proxy: 'app', level: 'emerg', message: 'backend app has no server available!' });
  const down = log.lines.find((l) => l.message.startsWith('Backup Server app/web3 is DOWN'))!;
  assert.deepEqual([down.level, down.proxyLog], ['warning', { proxy: 'app', level: 'alert' }]);
  const maint = log.lines.find((l) => l.message.includes('going DOWN for maintenance'))!;
  assert.equal(maint.proxyLog?.level, 'alert');
  control.serverAction(s('web2'), 'ready', cli);
  assert.equal(app.downSinceMs, undefined);
  const ready = log.lines.find((l) => l.message.includes('leaving forced maintenance'))!;
  assert.equal(ready.proxyLog?.level, 'notice');
});

test('shutdown kills every live session on the server', () => {
  const { control, s } = setup();
  const killed: string[] = [];
  s('web1').sessions.add({ kill: (r) => killed.push(r), serverSlot: -1 });
  s('web1').sessions.add({ kill: (r) => killed.push(r), serverSlot: -1 });
  assert.deepEqual(control.serverAction(s('web1'), 'shutdown', cli), { ok: true, applied: true });
  assert.equal(killed.length, 2);
});

test('set weight: absolute, percent of the initial weight, and HAProxy error texts', () => {
  const { control, s } = setup();
  assert.deepEqual(control.setWeight(s('web1'), '50', cli), { ok: true, applied: true });
  assert.equal(s('web1').state.weight, 50);
  control.setWeight(s('web1'), '50%', cli);
  assert.equal(s('web1').state.weight, 0);
  assert.deepEqual(control.setWeight(s('web1'), '300', cli), { ok: false, message: 'Absolute weight can only be between 0 and 256 inclusive.' });
  assert.equal(control.setWeight(s('web1'), 'abc', cli).ok, false);
});

test('set addr reports like HAProxy, maxconn and frontend/global commands apply', () => {
  const { rt, control, s } = setup();
  assert.deepEqual(control.setAddress(s('web1'), '127.0.0.1', 18081, cli),
    { ok: true, applied: false, message: "no need to change the addr, no need to change the port by 'stats socket command'" });
  assert.deepEqual(control.setAddress(s('web1'), '127.0.0.2', 18091, cli),
    { ok: true, applied: true, message: "IP changed from '127.0.0.1' to '127.0.0.2', port changed from '18081' to '18091' by 'stats socket command'" });
  assert.deepEqual(s('web1').address, { kind: 'inet', host: '127.0.0.2', port: 18091, family: 4 });
  control.setMaxconn(s('web1'), 7, cli);
  assert.equal(s('web1').maxconn, 7);
  const fe = rt.frontend('fe')!;
  control.setFrontendMaxconn(fe, 500, cli);
  assert.equal(fe.maxconn, 500);
  control.setGlobalMaxconn(1000, cli);
  assert.equal(rt.maxconn, 1000);
  assert.deepEqual(control.setFrontendEnabled(fe, false, cli), { ok: true, applied: true });
  assert.equal(fe.frontendStatus, 'PAUSED');
  control.setFrontendEnabled(fe, true, cli);
  assert.equal(fe.frontendStatus, 'OPEN');
});

test('clear counters resets peaks only, clear counters all resets totals too', () => {
  const { control, s } = setup();
  const c = s('web1').counters;
  c.sessionStart(1);
  c.sessionEnd();
  control.clearCounters(false, cli);
  assert.equal(c.smax, 0);
  assert.equal(c.stot, 1);
  control.clearCounters(true, cli);
  assert.equal(c.stot, 0);
});

test('operator state survives a rebuild by name', () => {
  const a = setup();
  a.control.serverAction(a.s('web1'), 'drain', cli);
  a.control.serverAction(a.s('web2'), 'maint', cli);
  a.control.setWeight(a.s('web3'), '7', cli);
  a.control.serverAction(a.s('web3'), 'dhlth', cli);
  a.control.serverAction(a.s('web3'), 'hdown', cli);
  const saved = exportOperatorState(a.rt);
  const b = setup();
  assert.equal(applyOperatorState(b.rt, JSON.parse(JSON.stringify(saved))), 4);
  assert.equal(b.s('web1').state.admin, AdminFlag.FDRAIN);
  assert.equal(b.s('web2').state.admin, AdminFlag.FMAINT);
  assert.equal(b.s('web3').state.weight, 7);
  assert.equal(b.s('web3').state.check.enabled, false);
  assert.equal(b.s('web3').state.op, OpState.STOPPED);
  assert.equal(b.s('web4').state.admin, AdminFlag.IDRAIN);
});

test('a whole backend can be drained and made ready again', () => {
  const { control, app } = setup();
  assert.deepEqual(control.backendAction(app, 'drain', cli), { ok: true, applied: true });
  assert.ok(app.servers.every((s) => (s.state.admin & AdminFlag.FDRAIN) !== 0));
  assert.ok(app.downSinceMs !== undefined, 'no server takes new traffic');
  assert.deepEqual(control.backendAction(app, 'drain', cli), { ok: true, applied: false });
  control.backendAction(app, 'ready', cli);
  assert.equal(app.downSinceMs, undefined);
});
