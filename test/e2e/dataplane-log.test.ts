// Access logs reach a syslog UDP target in HAProxy's httplog and tcplog formats.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import type net from 'node:net';
import { freePorts } from '../helpers/ports.js';
import { startSwitchyard, type Running } from '../helpers/switchyard.js';
import { DATA_PLANE_NODE_FLAGS } from '../../src/process/node-flags.js';
import { echoBackend, get, rawExchange, waitFor } from './dataplane-helpers.js';

const [FE, TCP, A] = await freePorts(3);
let sy: Running;
let app: Awaited<ReturnType<typeof echoBackend>>;
const sink = dgram.createSocket('udp4');
const lines: string[] = [];

before(async () => {
  sink.on('message', (m) => lines.push(m.toString()));
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
  const logPort = (sink.address() as net.AddressInfo).port;
  app = await echoBackend(A!);
  sy = await startSwitchyard(
    `defaults
    mode http
    log 127.0.0.1:${logPort} local0
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend web
    bind 127.0.0.1:${FE}
    option httplog
    default_backend app
frontend tcpfe
    bind 127.0.0.1:${TCP}
    mode tcp
    option tcplog
    default_backend tcpapp
backend app
    server a1 127.0.0.1:${A}
backend tcpapp
    mode tcp
    server a1 127.0.0.1:${A}
`,
    [FE!, TCP!],
  );
});

after(async () => {
  await sy?.stop();
  await app.close();
  sink.close();
});

test('an HTTP request is logged in httplog format over syslog', async () => {
  await get(FE!, '/logged?q=1');
  await waitFor(() => lines.some((l) => l.includes('/logged')), 'the access line');
  const line = lines.find((l) => l.includes('/logged'))!;
  assert.match(
    line,
    /^<134>\w{3} [ \d]\d \d\d:\d\d:\d\d haproxy\[\d+\]: 127\.0\.0\.1:\d+ \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] web app\/a1 \d+\/\d+\/\d+\/\d+\/\d+ 200 \d+ - - ---- \d+\/\d+\/\d+\/\d+\/0 0\/0 "GET \/logged\?q=1 HTTP\/1\.1"\n?$/,
  );
});

test('a TCP session is logged in tcplog format', async () => {
  await rawExchange(TCP!, 'GET /tcp HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
  // The start-up probe's connection is logged too (closed by the client before connecting: CD).
  const ours = (l: string): boolean => / tcpfe tcpapp\/a1 \d+\/\d+\/\d+ [1-9]\d* /.test(l);
  await waitFor(() => lines.some(ours), 'the tcplog line');
  const line = lines.find(ours)!;
  assert.match(line, /: 127\.0\.0\.1:\d+ \[[^\]]+\] tcpfe tcpapp\/a1 \d+\/\d+\/\d+ \d+ -- \d+\/\d+\/\d+\/\d+\/0 0\/0\n?$/);
});

test('a syslog target that is down for a while loses only the lines sent meanwhile, and traffic is untouched', async (t) => {
  // The UDP sockets behind `log` are connected: a target that is not listening answers with
  // ICMP port-unreachable, which comes back as errors on that socket.
  const [FE2, LOGPORT, B2] = await freePorts(3);
  const app2 = await echoBackend(B2!);
  const sy2 = await startSwitchyard(
    `defaults
    mode http
    log 127.0.0.1:${LOGPORT} local0
    log 127.0.0.1:${(sink.address() as net.AddressInfo).port} local0
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend web
    bind 127.0.0.1:${FE2}
    option httplog
    default_backend app
backend app
    server a1 127.0.0.1:${B2}
`,
    [FE2!],
  );
  t.after(async () => {
    await sy2.stop();
    await app2.close();
  });
  for (let i = 0; i < 20; i++) assert.equal((await get(FE2!, `/while-down-${i}`)).status, 200);
  // A line is sent after its response, at the end of the proxy's event-loop turn. The second
  // target (the shared sink, listed after the down one) receives it in the same turn, after the
  // down target was sent its copy: once the sink has the last line, nothing is left to send.
  await waitFor(() => lines.some((l) => l.includes('/while-down-19')), 'the last line, at the target that is up');
  const late = dgram.createSocket('udp4');
  const got: string[] = [];
  late.on('message', (m) => got.push(m.toString()));
  await new Promise<void>((r) => late.bind(LOGPORT!, '127.0.0.1', r));
  t.after(() => late.close());
  for (let i = 0; i < 5; i++) assert.equal((await get(FE2!, `/after-up-${i}`)).status, 200);
  await waitFor(() => got.filter((l) => l.includes('/after-up-')).length === 5, 'the five lines sent once the target is up');
  assert.equal(got.filter((l) => l.includes('/while-down-')).length, 0);
  assert.equal(sy2.proc.exitCode, null, 'the process is still running');
});

test('with the data-plane flags, access-line and syslog dates are local time in the TZ the process runs in', async (t) => {
  const [FE3, B3] = await freePorts(2);
  const app3 = await echoBackend(B3!);
  t.after(() => app3.close());
  const logPort = (sink.address() as net.AddressInfo).port;
  // New York is 4 or 5 hours off UTC: a date printed in UTC or in the machine's zone shows.
  const zone = 'America/New_York';
  const sy3 = await startSwitchyard(
    `defaults\n    mode http\n    log 127.0.0.1:${logPort} local0\n    timeout connect 2s\n    timeout client 10s\n    timeout server 10s\n` +
      `frontend web\n    bind 127.0.0.1:${FE3}\n    option httplog\n    default_backend app\nbackend app\n    server a1 127.0.0.1:${B3}\n`,
    [FE3!],
    [],
    { nodeArgs: DATA_PLANE_NODE_FLAGS, env: { TZ: zone } },
  );
  t.after(() => sy3.stop('SIGKILL'));
  const before = Date.now();
  assert.equal((await get(FE3!, '/local-time')).status, 200);
  const after = Date.now();
  await waitFor(() => lines.some((l) => l.includes('/local-time')), 'the access line');
  const line = lines.find((l) => l.includes('/local-time'))!;
  // `<134>Mmm dd hh:mm:ss haproxy[pid]: ... [dd/Mmm/yyyy:hh:mm:ss.mmm] ...`
  const m = /^<\d+>(\w{3}) ([ \d]\d) (\d\d):(\d\d):(\d\d) .*\[(\d\d)\/(\w{3})\/(\d{4}):(\d\d):(\d\d):(\d\d)\.(\d{3})\]/.exec(line);
  assert.ok(m, line);
  const [, hMon, hDay, hH, hM, hS, dDay, dMon, dYear, dH, dM, dS, dMs] = m;
  const year = Number(dYear);
  const access = wallClock(year, dMon!, dDay!, dH!, dM!, dS!) + Number(dMs);
  const header = wallClock(year, hMon!, hDay!, hH!, hM!, hS!);
  const lo = wallClockIn(zone, before - 1000);
  const hi = wallClockIn(zone, after + 1000);
  assert.ok(access >= lo && access <= hi, `access-line date ${m[0]} not within ${new Date(lo).toISOString()}..${new Date(hi).toISOString()} (${zone} wall clock)`);
  assert.ok(header >= lo - 1000 && header <= hi, `syslog date not within the same window: ${line}`);
});

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A printed local date as milliseconds of a UTC clock showing the same wall time. */
function wallClock(year: number, mon: string, day: string, h: string, m: string, s: string): number {
  return Date.UTC(year, MONTH_NAMES.indexOf(mon), Number(day.trim()), Number(h), Number(m), Number(s));
}

/** The wall time in `zone` at `ms`, the same way (the test's own clock goes through ICU). */
function wallClockIn(zone: string, ms: number): number {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' });
  const p = Object.fromEntries(f.formatToParts(ms).map((x) => [x.type, x.value]));
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) + (ms % 1000);
}
