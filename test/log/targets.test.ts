// The syslog UDP target sends lines in bursts at the end of the event-loop turn: none is lost,
// they keep their order, and closing the logger sends what is still waiting.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import type net from 'node:net';
import { parseConfig } from '../../src/config/parser.js';
import { createLogger } from '../../src/log/targets.js';
import type { Logger } from '../../src/log/logger.js';

const silent: Logger = { event() {}, access() {} };

async function sink(): Promise<{ port: number; lines: string[]; close(): void }> {
  const s = dgram.createSocket('udp4');
  const lines: string[] = [];
  s.on('message', (m) => lines.push(m.toString()));
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return { port: (s.address() as net.AddressInfo).port, lines, close: () => s.close() };
}

function loggerTo(port: number, extraLog = ''): ReturnType<typeof createLogger> {
  const text = `frontend web\n    bind 127.0.0.1:1\n${extraLog}    log 127.0.0.1:${port} local0\n    mode http\n`;
  const r = parseConfig([{ file: 't.cfg', text }], { env: {}, readPatternFile: () => undefined, resolveHost: () => undefined, hostname: 'h', defaultMaxconn: 10 });
  assert.ok(r.config, JSON.stringify(r.diagnostics));
  return createLogger(r.config, silent);
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
}

const body = (l: string): string => l.slice(l.indexOf(': ') + 2).trimEnd();

test('lines logged in one turn all arrive, in order, one datagram each', async () => {
  const s = await sink();
  const log = loggerTo(s.port);
  log.access('web', 'warm-up');
  await until(() => s.lines.length === 1);
  await new Promise((r) => setTimeout(r, 20)); // the target's own socket is connected by now
  // 200: the sink shares this thread, so it reads only after the burst, from a socket buffer
  // that holds about 256 datagrams.
  for (let i = 0; i < 200; i++) log.access('web', `line ${i}`);
  assert.equal(s.lines.length, 1, 'nothing leaves before the turn ends');
  await until(() => s.lines.length === 201);
  assert.deepEqual(s.lines.slice(1).map(body), Array.from({ length: 200 }, (_, i) => `line ${i}`));
  assert.match(s.lines[1]!, /^<134>\w{3} [ \d]\d \d\d:\d\d:\d\d haproxy\[\d+\]: line 0\n$/);
  log.close();
  s.close();
});

test('closing the logger sends the lines still waiting for the end of the turn', async () => {
  const s = await sink();
  const log = loggerTo(s.port);
  log.access('web', 'first');
  log.access('web', 'second');
  log.close();
  await until(() => s.lines.length === 2);
  assert.deepEqual(s.lines.map(body), ['first', 'second']);
  s.close();
});

test('a target whose socket cannot connect drops its lines; the other targets still get theirs', async () => {
  const s = await sink();
  // connect() to the broadcast address fails (EACCES): that target can never send.
  const log = loggerTo(s.port, '    log 255.255.255.255:514 local0\n');
  log.access('web', 'one');
  await until(() => s.lines.length === 1);
  await new Promise((r) => setTimeout(r, 20));
  log.access('web', 'two');
  log.access('web', 'three');
  await until(() => s.lines.length === 3);
  assert.deepEqual(s.lines.map(body), ['one', 'two', 'three']);
  log.close();
  s.close();
});
