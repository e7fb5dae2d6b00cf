import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import { httpCheckRequest, httpProbe, parseAgentReply, tcpProbe } from '../../src/checks/probe.js';
import { nextInterval } from '../../src/checks/scheduler.js';
import { applyServerEvent } from '../../src/core/apply.js';
import type { HttpCheckConfig } from '../../src/config/model.js';
import { freePorts } from '../helpers/ports.js';
import { BASE, runtimeFrom } from '../core/fixture.js';

const chk = (patch: Partial<HttpCheckConfig> = {}): HttpCheckConfig =>
  ({ method: 'GET', uri: '/health', version: 'HTTP/1.1', headers: [['Host', 'app']], disableOn404: false, ...patch });

function serve(port: number, handler: http.RequestListener): Promise<http.Server> {
  const srv = http.createServer(handler);
  return new Promise((resolve) => srv.listen(port, '127.0.0.1', () => resolve(srv)));
}

function close(srv: net.Server): Promise<void> {
  (srv as http.Server).closeAllConnections?.();
  return new Promise((resolve) => srv.close(() => resolve()));
}

test('the check request is byte for byte what HAProxy 2.6 sends (captured on loopback)', () => {
  assert.equal(httpCheckRequest(chk({ method: 'OPTIONS', uri: '/', version: 'HTTP/1.0', headers: [] })), 'OPTIONS / HTTP/1.0\r\n\r\n');
  assert.equal(httpCheckRequest(chk({ headers: [['Host', 'app.local']], body: 'ping' })),
    'GET /health HTTP/1.1\r\nhost: app.local\r\ncontent-length: 4\r\nconnection: close\r\n\r\nping');
});

test('agent replies: words, percentages, separators; nonsense is no reply', () => {
  assert.deepEqual(parseAgentReply('drain\n'), { admin: 'drain' });
  assert.deepEqual(parseAgentReply('up 75%'), { health: 'up', weightPct: 75 });
  assert.deepEqual(parseAgentReply('ready,down'), { admin: 'ready', health: 'down' });
  assert.deepEqual(parseAgentReply('stopped'), { health: 'down' });
  assert.equal(parseAgentReply('hello'), undefined);
  assert.deepEqual(parseAgentReply('75%,maxconn:30,maint,down'), { weightPct: 75, maxconn: 30, admin: 'maint', health: 'down' });
});

test('http expect: status lists and ranges, rstatus, negated string', async (t) => {
  const [port] = await freePorts(1);
  const srv = await serve(port!, (_q, r) => r.writeHead(302, 'Found').end('all good'));
  t.after(() => close(srv));
  const target = { host: '127.0.0.1', port: port!, connectTimeoutMs: 1000, timeoutMs: 2000 };
  const run = async (expect: HttpCheckConfig['expect']) => (await httpProbe(target, chk({ expect }))).result;
  assert.equal((await run(undefined)).status, 'L7OK');
  assert.equal((await run({ negate: false, kind: 'status', value: '200,300-399' })).status, 'L7OK');
  const wrong = await run({ negate: false, kind: 'status', value: '200' });
  assert.deepEqual([wrong.status, wrong.code, wrong.desc], ['L7STS', 302, 'Found']);
  assert.equal((await run({ negate: false, kind: 'rstatus', value: '^3' })).status, 'L7OK');
  assert.equal((await run({ negate: true, kind: 'string', value: 'good' })).status, 'L7RSP');
  assert.equal((await run({ negate: false, kind: 'rstring', value: 'all\\s+good' })).status, 'L7OK');
});

test('a server that accepts but never answers is L7TOUT; a closed port is L4CON', async (t) => {
  const [open, closed] = await freePorts(2);
  const held: net.Socket[] = [];
  const srv = net.createServer((s) => {
    s.on('error', () => {});
    held.push(s);
  });
  await new Promise<void>((r) => srv.listen(open, '127.0.0.1', () => r()));
  t.after(() => {
    for (const s of held) s.destroy();
    return close(srv);
  });
  const r = await httpProbe({ host: '127.0.0.1', port: open!, connectTimeoutMs: 1000, timeoutMs: 150 }, chk());
  assert.equal(r.result.status, 'L7TOUT');
  assert.ok(r.result.durationMs >= 100);
  const c = await tcpProbe({ host: '127.0.0.1', port: closed!, connectTimeoutMs: 1000, timeoutMs: 1000 });
  assert.deepEqual([c.outcome, c.result.status, c.result.desc], ['fail', 'L4CON', 'Connection refused']);
});

test('intervals: inter when stable, fastinter while changing, downinter when down', () => {
  const rt = runtimeFrom(`${BASE}backend app\n  server s 127.0.0.1:1 check inter 1000 fastinter 200 downinter 5000 rise 2 fall 2\n`);
  const s = rt.backend('app')!.serversByName.get('s')!;
  const fail = { type: 'check' as const, outcome: 'fail' as const, result: { status: 'L4CON' as const, desc: '', durationMs: 0 } };
  const pass = { ...fail, outcome: 'pass' as const, result: { status: 'L4OK' as const, desc: '', durationMs: 0 } };
  applyServerEvent(s, pass, 1);
  assert.equal(nextInterval(s, 'check'), 1000);
  applyServerEvent(s, fail, 2);
  assert.equal(nextInterval(s, 'check'), 200);
  applyServerEvent(s, fail, 3);
  assert.equal(nextInterval(s, 'check'), 5000);
  applyServerEvent(s, pass, 4);
  assert.equal(nextInterval(s, 'check'), 200);
});

test('on-marked-up shutdown-backup-sessions kills backup sessions when an active server comes back', () => {
  const rt = runtimeFrom(`${BASE}backend app
  server a 127.0.0.1:1 check on-marked-up shutdown-backup-sessions
  server b 127.0.0.1:2 backup
`);
  const app = rt.backend('app')!;
  applyServerEvent(app.serversByName.get('a')!, { type: 'force-health', to: 'down' }, 1);
  let killed = 0;
  app.serversByName.get('b')!.sessions.add({ kill: () => killed++, serverSlot: -1 });
  applyServerEvent(app.serversByName.get('a')!, { type: 'force-health', to: 'up' }, 2);
  assert.equal(killed, 1);
});
