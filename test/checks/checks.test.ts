import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import { startChecks } from '../../src/checks/scheduler.js';
import { createControl } from '../../src/control/commands.js';
import { serverStatusText } from '../../src/core/server-state.js';
import { OpState } from '../../src/core/server-state-types.js';
import { freePorts } from '../helpers/ports.js';
import { BASE, recordingLog, runtimeFrom } from '../core/fixture.js';

async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function tcpServer(port: number, onConn?: (s: net.Socket) => void): Promise<net.Server> {
  const srv = net.createServer((s) => {
    s.on('error', () => {});
    if (onConn) onConn(s);
    else s.end();
  });
  return new Promise((resolve) => srv.listen(port, '127.0.0.1', () => resolve(srv)));
}

function httpServer(port: number, handler: http.RequestListener): Promise<http.Server> {
  const srv = http.createServer(handler);
  return new Promise((resolve) => srv.listen(port, '127.0.0.1', () => resolve(srv)));
}

function close(srv: net.Server): Promise<void> {
  (srv as http.Server).closeAllConnections?.();
  return new Promise((resolve) => srv.close(() => resolve()));
}

test('TCP checks: a refused server goes DOWN after fall checks with L4CON and comes back after rise', async (t) => {
  const [p1, p2] = await freePorts(2);
  const up = await tcpServer(p1!);
  t.after(() => close(up));
  const rt = runtimeFrom(`${BASE}backend app
  server web1 127.0.0.1:${p1} check inter 100 rise 2 fall 2
  server web2 127.0.0.1:${p2} check inter 100 rise 2 fall 2
`);
  const log = recordingLog();
  const checks = startChecks(rt, log);
  t.after(() => checks.stop());
  const app = rt.backend('app')!;
  const web1 = app.serversByName.get('web1')!;
  const web2 = app.serversByName.get('web2')!;
  await until(() => web2.state.op === OpState.STOPPED, 'web2 DOWN');
  assert.equal(serverStatusText(web2.state), 'DOWN');
  assert.equal(web2.state.check.status, 'L4CON');
  assert.equal(web2.state.check.desc, 'Connection refused');
  assert.equal(web2.state.chkdown, 1);
  assert.equal(web2.state.chkfail, 1);
  const down = log.messages().find((m) => m.startsWith('Server app/web2 is DOWN'))!;
  assert.match(down, /^Server app\/web2 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: \d+ms\. 1 active and 0 backup servers left\. 0 sessions active, 0 requeued, 0 remaining in queue\.$/);
  await until(() => web1.state.check.status === 'L4OK', 'web1 checked');
  assert.equal(serverStatusText(web1.state), 'UP');
  const picks = (): Set<string> => new Set([...Array(20).keys()].map(() => app.balancer!.pick({ src: '127.0.0.1' })!.name));
  assert.deepEqual(picks(), new Set(['web1']), 'a DOWN server gets no new traffic');
  const upAgain = await tcpServer(p2!);
  t.after(() => close(upAgain));
  await until(() => web2.state.op === OpState.RUNNING, 'web2 UP');
  assert.equal(web2.state.check.status, 'L4OK');
  assert.match(log.messages().find((m) => m.startsWith('Server app/web2 is UP'))!,
    /^Server app\/web2 is UP, reason: Layer4 check passed, check duration: \d+ms\. 2 active and 0 backup servers online\. 0 sessions requeued, 0 total in queue\.$/);
  assert.ok(web2.state.downtimeMs > 0);
  assert.deepEqual(picks(), new Set(['web1', 'web2']), 'back in rotation');
});

test('option httpchk: a 500 marks the server DOWN with L7STS, disable-on-404 gives NOLB, expect string checks the body', async (t) => {
  const [p1, p2, p3] = await freePorts(3);
  const seen: string[] = [];
  const s500 = await httpServer(p1!, (req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers['x-probe'] ?? ''}`);
    res.writeHead(500).end('boom');
  });
  const s404 = await httpServer(p2!, (_req, res) => res.writeHead(404).end());
  const sBody = await httpServer(p3!, (_req, res) => res.writeHead(200).end('status: degraded'));
  t.after(() => Promise.all([close(s500), close(s404), close(sBody)]));
  const rt = runtimeFrom(`${BASE}backend app
  option httpchk GET /health
  http-check send hdr X-Probe yes
  http-check disable-on-404
  server web1 127.0.0.1:${p1} check inter 100 rise 2 fall 2
  server web2 127.0.0.1:${p2} check inter 100 rise 2 fall 2
backend body
  option httpchk GET /
  http-check expect string healthy
  server b1 127.0.0.1:${p3} check inter 100 rise 1 fall 1
`);
  const log = recordingLog();
  const checks = startChecks(rt, log);
  t.after(() => checks.stop());
  const web1 = rt.backend('app')!.serversByName.get('web1')!;
  const web2 = rt.backend('app')!.serversByName.get('web2')!;
  const b1 = rt.backend('body')!.serversByName.get('b1')!;
  await until(() => web1.state.op === OpState.STOPPED, 'web1 DOWN');
  assert.equal(web1.state.check.status, 'L7STS');
  assert.equal(web1.state.check.code, 500);
  assert.equal(web1.state.check.desc, 'Internal Server Error');
  assert.equal(seen[0], 'GET /health yes');
  assert.match(log.messages().join('\n'), /Server app\/web1 is DOWN, reason: Layer7 wrong status, code: 500, info: "Internal Server Error", check duration: \d+ms\./);
  await until(() => web2.state.op === OpState.STOPPING, 'web2 NOLB');
  assert.equal(serverStatusText(web2.state), 'NOLB');
  assert.equal(web2.state.check.status, 'L7OKC');
  await until(() => b1.state.op === OpState.STOPPED, 'b1 DOWN on body mismatch');
  assert.equal(b1.state.check.status, 'L7RSP');
});

test('agent check: drain, weight and down replies drive the server', async (t) => {
  const [p1, pa] = await freePorts(2);
  const srv = await tcpServer(p1!);
  let reply = 'drain\n';
  const agent = await tcpServer(pa!, (s) => s.end(reply));
  t.after(() => Promise.all([close(srv), close(agent)]));
  const rt = runtimeFrom(`${BASE}backend app
  server web1 127.0.0.1:${p1} check inter 100 weight 10 agent-check agent-port ${pa} agent-inter 100
`);
  const checks = startChecks(rt, recordingLog());
  t.after(() => checks.stop());
  const web1 = rt.backend('app')!.serversByName.get('web1')!;
  await until(() => serverStatusText(web1.state) === 'DRAIN (agent)', 'DRAIN (agent)');
  reply = 'ready 50%\n';
  await until(() => web1.state.weight === 5 && serverStatusText(web1.state) === 'UP', 'ready at 50%');
  reply = 'down\n';
  await until(() => serverStatusText(web1.state) === 'DOWN (agent)', 'DOWN (agent)');
  assert.equal(web1.state.agent.status, 'L7STS');
  assert.equal(web1.state.agent.desc, 'via agent : down');
  reply = 'up maxconn:30\n';
  await until(() => web1.state.op === OpState.RUNNING, 'agent up');
  await until(() => web1.maxconn === 30, 'maxconn from the agent');
});

test('MAINT pauses checks, READY resumes them; on-marked-down shutdown-sessions kills sessions', async (t) => {
  const [p1] = await freePorts(1);
  let conns = 0;
  let srv = await tcpServer(p1!, (s) => {
    conns++;
    s.end();
  });
  t.after(() => close(srv));
  const rt = runtimeFrom(`${BASE}backend app
  server web1 127.0.0.1:${p1} check inter 50 rise 1 fall 1 on-marked-down shutdown-sessions
`);
  const log = recordingLog();
  const checks = startChecks(rt, log);
  t.after(() => checks.stop());
  const control = createControl(rt, log);
  const web1 = rt.backend('app')!.serversByName.get('web1')!;
  await until(() => conns >= 2, 'checks running');
  control.serverAction(web1, 'maint', { via: 'socket' });
  await new Promise((r) => setTimeout(r, 300));
  const frozen = conns;
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(conns, frozen, 'no probe while in MAINT');
  control.serverAction(web1, 'ready', { via: 'socket' });
  await until(() => conns > frozen, 'checks resumed');
  await until(() => web1.state.op === OpState.RUNNING && web1.state.check.health === 1, 'UP after READY');
  let killed = 0;
  web1.sessions.add({ kill: () => killed++, serverSlot: -1 });
  await close(srv);
  await until(() => web1.state.op === OpState.STOPPED, 'DOWN after the server stopped');
  assert.equal(killed, 1);
  srv = await tcpServer(p1!);
});

test('option log-health-checks logs each check result change', async (t) => {
  const [p1] = await freePorts(1);
  const rt = runtimeFrom(`${BASE}backend app
  option log-health-checks
  server web1 127.0.0.1:${p1} check inter 50 rise 2 fall 2
`);
  const log = recordingLog();
  const checks = startChecks(rt, log);
  t.after(() => checks.stop());
  await until(() => log.messages().some((m) => m.startsWith('Health check for server')), 'health check line');
  const line = log.messages().find((m) => m.startsWith('Health check for server'))!;
  assert.match(line, /^Health check for server app\/web1 failed, reason: Layer4 connection problem, info: "Connection refused", check duration: \d+ms, status: 0\/2 DOWN\.$/);
});

test('check port and addr overrides: the probe goes to `port`, not the traffic port', async (t) => {
  const [traffic, checkPort] = await freePorts(2);
  const srv = await tcpServer(checkPort!);
  t.after(() => close(srv));
  const rt = runtimeFrom(`${BASE}backend app
  server web1 127.0.0.1:${traffic} check port ${checkPort} addr 127.0.0.1 inter 50 rise 1 fall 1
`);
  const checks = startChecks(rt, recordingLog());
  t.after(() => checks.stop());
  const web1 = rt.backend('app')!.serversByName.get('web1')!;
  await until(() => web1.state.check.status === 'L4OK', 'check on the check port');
  assert.equal(web1.state.op, OpState.RUNNING);
});
