// What HAProxy's tier-A reg-tests check, guarded without VTest: inherited `fd@N` sockets,
// the one-command CLI after a half-close, `show servers state`, health-check syslog wording,
// monitor-uri, dispatch, agent-send, the master CLI, -cc and the exit codes on SIGINT.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/ports.js';
import { BIN } from '../helpers/switchyard.js';
import { cliCommand, eventually, listeningSocket, rawHttp, startWithFds, udpSyslog } from './harness.js';

const TIMEOUTS = '    timeout connect "${HAPROXY_TEST_TIMEOUT-5s}"\n    timeout client "${HAPROXY_TEST_TIMEOUT-5s}"\n    timeout server "${HAPROXY_TEST_TIMEOUT-5s}"\n';

async function httpServer(name: string): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((_req, res) => res.end(name));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as net.AddressInfo).port };
}

test('health checks: syslog wording over UDP, CLI on an inherited fd after a half-close, show servers state', async (t) => {
  const syslog = await udpSyslog();
  t.after(() => syslog.close());
  const srv = net.createServer((c) => c.destroy());
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  t.after(() => srv.close());
  const srvPort = (srv.address() as net.AddressInfo).port;
  const cli = await listeningSocket();
  const cfg =
    'global\n    stats socket "fd@${cli}" level admin\n' +
    `  defaults\n${TIMEOUTS}\tdefault-server check inter 200ms downinter 100s rise 1 fall 1\n` +
    `backend be1\n    option log-health-checks\n    log 127.0.0.1:${syslog.port} daemon\n    server srv1 127.0.0.1:${srvPort}\n`;
  const h = startWithFds(cfg, [cli], [], { cli: '3' });
  t.after(() => h.stop('SIGKILL'));
  const pid = h.proc.pid!;
  const hdr = `^<(\\d+)>[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d [^:\\[ ]+\\[${pid}\\]: `;

  const up = await syslog.waitFor(new RegExp(`${hdr}Health check for server be1/srv1 succeeded, reason: Layer4 check passed, check duration: \\d+ms, status: 1/1 UP\\.\\n?$`));
  assert.equal(up.slice(0, 4), '<29>');

  const state = await cliCommand(cli.port, 'show servers state');
  const lines = state.split('\n');
  assert.equal(lines[0], '1');
  assert.equal(
    lines[1],
    '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port',
  );
  assert.match(lines[2]!, new RegExp(`^2 be1 1 srv1 127\\.0\\.0\\.1 2 0 1 1 \\d+ 6 3 1 6 0 0 0 - ${srvPort} - 0 0 - - 0$`));
  assert.ok(state.endsWith('\n'));

  assert.equal(await cliCommand(cli.port, 'disable server be1/srv1'), '\n');
  const down = await syslog.waitFor(new RegExp(`${hdr}Server be1/srv1 is going DOWN for maintenance\\. 0 active and 0 backup servers left\\. 0 sessions active, 0 requeued, 0 remaining in queue\\.`));
  assert.equal(down.slice(0, 4), '<25>');
  const none = await syslog.waitFor(new RegExp(`${hdr}backend be1 has no server available!`));
  assert.equal(none.slice(0, 4), '<24>');
  assert.match(await cliCommand(cli.port, 'show servers state be1'), /\n2 be1 1 srv1 127\.0\.0\.1 0 1 /);

  await cliCommand(cli.port, 'enable server be1/srv1');
  await syslog.waitFor(new RegExp(`${hdr}Server be1/srv1 is UP/READY \\(leaving forced maintenance\\)\\.`));

  assert.deepEqual(await h.stop('SIGINT'), { code: 0, signal: null });
});

test('bind "fd@N": monitor-uri answers itself, dispatch forwards in http and tcp mode, agent-send reaches the agent', async (t) => {
  const web = await httpServer('dispatched');
  t.after(() => web.server.close());
  let agentGot = '';
  const agent = net.createServer((c) => {
    // The checker may reset a connection at stop: not this test's concern.
    c.on('error', () => {});
    c.setEncoding('latin1');
    c.once('data', (d: string) => {
      agentGot = d;
      c.end('75%,maxconn:30\n');
    });
  });
  await new Promise<void>((resolve) => agent.listen(0, '127.0.0.1', resolve));
  t.after(() => agent.close());
  const agentPort = (agent.address() as net.AddressInfo).port;
  const [mon, feHttp, feTcp, cli] = [await listeningSocket(), await listeningSocket(), await listeningSocket(), await listeningSocket()];
  const cfg =
    'global\n    stats socket "fd@${cli}" level admin\n' +
    `defaults\n    mode http\n${TIMEOUTS}` +
    'frontend fe1\n    bind "fd@${mon}"\n    monitor-uri /health\n' +
    `listen fe_http\n    bind "fd@\${fe_http}"\n    dispatch 127.0.0.1:${web.port}\n` +
    `listen fe_tcp\n    bind "fd@\${fe_tcp}"\n    mode tcp\n    dispatch 127.0.0.1:${web.port}\n` +
    `backend agents\n    server srv 127.0.0.1:1 weight 100 agent-check agent-addr 127.0.0.1 agent-port ${agentPort} agent-send "pouet\\n" agent-inter 100ms\n`;
  const h = startWithFds(cfg, [mon, feHttp, feTcp, cli], [], { mon: '3', fe_http: '4', fe_tcp: '5', cli: '6' });
  t.after(() => h.stop('SIGKILL'));

  const health = await rawHttp(mon.port, 'GET /health HTTP/1.1\r\nhost: a\r\n\r\n');
  assert.match(health, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(health, /\r\n\r\n<html><body><h1>200 OK<\/h1>\nService ready\.\n<\/body><\/html>\n$/);
  assert.match(await rawHttp(mon.port, 'GET http://www.haproxy.org/health HTTP/1.1\r\nhost: www.haproxy.org\r\n\r\n'), /^HTTP\/1\.1 200 /);
  assert.match(await rawHttp(mon.port, 'GET /hEAlth HTTP/1.1\r\nhost: a\r\n\r\n'), /^HTTP\/1\.1 503 /);

  for (const port of [feHttp.port, feTcp.port]) {
    const r = await rawHttp(port, 'GET / HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n');
    assert.match(r, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(r.endsWith('dispatched'), r);
  }

  const state = await eventually(() => cliCommand(cli.port, 'show servers state agents'), (s) => / agents 1 srv 127\.0\.0\.1 \d+ \d+ 75 100 /.test(s));
  assert.match(state, / agents 1 srv 127\.0\.0\.1 \d+ \d+ 75 100 /);
  assert.equal(agentGot, 'pouet\n');
  assert.match(await cliCommand(cli.port, 'show stat'), /\nagents,srv,0,0,0,0,30,/);
  assert.deepEqual(await h.stop('SIGINT'), { code: 0, signal: null });
});

test('master-worker: -S "fd@N" master CLI routes @1 show info to the worker, pidfile, exit 130 on SIGINT', async (t) => {
  const [fe, mcli] = [await listeningSocket(), await listeningSocket()];
  const be = await freePort();
  const cfg = `global\n    nbthread 1\ndefaults\n    mode http\n${TIMEOUTS}frontend f\n    bind "fd@\${fe}"\n    default_backend b\nbackend b\n    server www1 127.0.0.1:${be}\n`;
  const pidfile = path.join(tmpdir(), `switchyard-regtest-${process.pid}.pid`);
  t.after(() => rmSync(pidfile, { force: true }));
  const h = startWithFds(cfg, [fe, mcli], ['-W', '-S', 'fd@4', '-p', pidfile], { fe: '3' });
  t.after(() => h.stop('SIGKILL'));
  const info = await cliCommand(mcli.port, '@1 show info');
  assert.match(info, /\nProcess_num: 1\n/);
  assert.match(info, /^Name: HAProxy\n/);
  const workerPid = Number(/\nPid: (\d+)\n/.exec(info)![1]);
  assert.notEqual(workerPid, h.proc.pid);
  const proc = await cliCommand(mcli.port, 'show proc');
  assert.match(proc, new RegExp(`\\n${h.proc.pid} +master +0 \\[failed: 0\\] +\\d+d\\d\\dh\\d\\dm\\d\\ds +2\\.6\\.`));
  assert.match(proc, new RegExp(`\\n# workers\\n${workerPid} +worker `));
  assert.equal(await cliCommand(mcli.port, '@!1 show info'), "Can't find the target PID matching the prefix '@!1'\n");
  assert.equal(readFileSync(pidfile, 'utf8').trim(), String(h.proc.pid));
  assert.deepEqual(await h.stop('SIGINT'), { code: 130, signal: null });
});

test('-cc evaluates the .if condition grammar: exit 0 when true, 1 when false or unparsable', () => {
  const cc = (expr: string, env: Record<string, string> = {}): number | null => spawnSync(process.execPath, [BIN, '-cc', expr], { env: { ...process.env, ...env } }).status;
  for (const ok of [
    'version_atleast(2.5-dev0)', "streq(foo,'foo')", 'streq("foo bar",\'foo bar\')', '-1000 && 200',
    '1 && !0 && !((streq(a,b) || !streq(a,a) && 1) || strneq(a,a))', 'feature(OPENSSL) || !feature(OPENSSL)',
  ]) assert.equal(cc(ok), 0, ok);
  assert.equal(cc('defined(TESTVAR) && streq("$TESTVAR","1")', { TESTVAR: '1' }), 0);
  for (const bad of ['version_atleast(1024)', 'streq(foo,bar)', '', '200rrr', '!(0))', 'streq(a,"a)']) assert.equal(cc(bad), 1, bad);
});

test('mode tcp follows use_backend; TE keeps only trailers; a chunked HTTP/1.0 response closes the client side', async (t) => {
  const seen: (string | undefined)[] = [];
  const web = http.createServer((req, res) => {
    seen.push(req.headers.te as string | undefined);
    res.end('b1');
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  t.after(() => web.close());
  const webPort = (web.address() as net.AddressInfo).port;
  const old = net.createServer((c) => c.end('HTTP/1.0 200 Ok\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'));
  await new Promise<void>((resolve) => old.listen(0, '127.0.0.1', resolve));
  t.after(() => old.close());
  const oldPort = (old.address() as net.AddressInfo).port;
  const [tcp, fe, fe10] = [await listeningSocket(), await listeningSocket(), await listeningSocket()];
  const cfg =
    `defaults\n${TIMEOUTS}` +
    'frontend ft\n    bind "fd@${ft}"\n    use_backend b1\n' +
    `backend b1\n    server s1 127.0.0.1:${webPort}\n` +
    `listen fh\n    bind "fd@\${fh}"\n    mode http\n    server s1 127.0.0.1:${webPort}\n` +
    `listen f10\n    bind "fd@\${f10}"\n    mode http\n    server s1 127.0.0.1:${oldPort}\n`;
  const h = startWithFds(cfg, [tcp, fe, fe10], [], { ft: '3', fh: '4', f10: '5' });
  t.after(() => h.stop('SIGKILL'));
  assert.ok((await rawHttp(tcp.port, 'GET / HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n')).endsWith('b1'));
  for (const te of ['trailers, gzip', 'gzip', 'trailers;q=0.5']) {
    await rawHttp(fe.port, `GET / HTTP/1.1\r\nhost: a\r\nte: ${te}\r\n\r\n`);
  }
  assert.deepEqual(seen.slice(1), ['trailers', undefined, undefined]);
  // Without a content-length, rawHttp resolves only when Switchyard closes the connection.
  const r = await rawHttp(fe10.port, 'GET / HTTP/1.1\r\nhost: a\r\n\r\n');
  assert.match(r, /^HTTP\/1\.1 200 Ok\r\n/);
  assert.match(r, /\r\ntransfer-encoding: chunked\r\n/i);
  assert.match(r, /\r\nconnection: close\r\n/i);
  assert.deepEqual(await h.stop('SIGINT'), { code: 0, signal: null });
});
