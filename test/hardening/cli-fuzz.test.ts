// Runtime API fuzzing on the real binary: arbitrary bytes, long lines, known command words
// with random arguments, `;` batches, unicode and empty lines, one-shot and in prompt mode,
// at a `level admin` and a `level user` stats socket. The process never dies, every line is
// answered (or the session ends for a stated reason), and nothing sent at level user changes
// any state: servers, weights, frontends and limits read the same before and after.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { freePorts } from '../helpers/ports.js';
import { startSwitchyard, type Running } from '../helpers/switchyard.js';
import { fuzzSeed } from './http-fuzz-helpers.js';
import { rawExchange } from '../e2e/dataplane-helpers.js';

const [FE, S1, S2, S3] = await freePorts(4);
const dir = mkdtempSync(path.join(tmpdir(), 'cli-fuzz-'));
const ADMIN = path.join(dir, 'admin.sock');
const USER = path.join(dir, 'user.sock');
/** Longest line the runtime API reads (src/api/socket.ts); beyond it the session is cut. */
const MAX_LINE = 16384;
let sy: Running;
let commands = 0;

before(async () => {
  sy = await startSwitchyard(
    `global
    stats socket ${ADMIN} level admin
    stats socket ${USER} level user
    stats timeout 10s
defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:${FE}
    default_backend be
backend be
    server s1 127.0.0.1:${S1}
    server s2 127.0.0.1:${S2} weight 50
backend be2
    server t1 127.0.0.1:${S3} disabled
`,
    [FE!],
  );
});

after(async () => {
  console.log(`cli-fuzz: ${commands} command lines`);
  await sy?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends `input` on a fresh connection, half-closes, and resolves with all output at close. */
function oneShot(sock: string, input: Buffer): Promise<{ out: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ path: sock, allowHalfOpen: true });
    let out = '';
    const timer = setTimeout(() => {
      c.destroy();
      reject(new Error(`no close within 10 s after ${JSON.stringify(input.toString('latin1').slice(0, 200))}; got ${JSON.stringify(out.slice(0, 200))}`));
    }, 10_000);
    c.on('data', (d: Buffer) => (out += d.toString('latin1')));
    c.on('error', () => {});
    c.on('end', () => c.end());
    c.on('close', () => {
      clearTimeout(timer);
      resolve({ out, closed: true });
    });
    c.on('connect', () => c.end(input));
  });
}

/** What an operator can observe as state, read at level admin (times since a change masked). */
async function observableState(): Promise<string> {
  const { out: servers } = await oneShot(ADMIN, Buffer.from('show servers state\n'));
  const masked = servers
    .split('\n')
    .map((l) => (/^\d/.test(l) ? l.split(' ').map((f, i) => (i === 9 ? '-' : f)).join(' ') : l))
    .join('\n');
  const { out: stat } = await oneShot(ADMIN, Buffer.from('show stat\n'));
  const cols = stat.split('\n')[0]!.replace(/^# /, '').split(',');
  const keep = ['pxname', 'svname', 'status', 'weight', 'slim', 'act', 'bck'].map((c) => cols.indexOf(c));
  const rows = stat
    .split('\n')
    .slice(1)
    .map((l) => keep.map((i) => l.split(',')[i]).join(','));
  const { out: info } = await oneShot(ADMIN, Buffer.from('show info\n'));
  const limits = info.split('\n').filter((l) => /^(Maxconn|Hard_maxconn|MaxConnRate|MaxSessRate|Maxsock):/.test(l));
  return [masked, ...rows, ...limits].join('\n');
}

const NAMES = ['be/s1', 'be/s2', 'be2/t1', 'be/#1', 'be/#2', 'be/', '/s1', 'be', 'be2', 'fe', 'nosuch/x', 'be/s1/x', '#1', ''];
const WORDS = [
  'show', 'info', 'stat', 'servers', 'state', 'sess', 'errors', 'backend', 'pools', 'version', 'schema', 'json', 'typed', 'desc', 'up', 'no-maint',
  'cli', 'level', 'fleet', 'help', 'get', 'weight', 'set', 'server', 'maxconn', 'global', 'frontend', 'timeout', 'health', 'agent', 'addr', 'port',
  'check-port', 'ready', 'drain', 'maint', 'down', 'stopping', 'enable', 'disable', 'shutdown', 'sessions', 'session', 'clear', 'counters', 'all',
  'operator', 'user', 'admin', '-1', '0', '1', '2', '100%', '0%', '256', '99999999999999999999', '1.5', '10s', '1ms', '127.0.0.1', '::1', '0x10',
  '\\;', '\\', '"', "'", '#', '-', '*', ...NAMES,
];
/** Commands that end a session or change its framing; a session's reply count then differs. */
const SESSION_ENDERS = /quit|prompt|timeout|shutdown/;

const word = fc.oneof(
  { arbitrary: fc.constantFrom(...WORDS), weight: 6 },
  { arbitrary: fc.string({ maxLength: 12 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 6 }), weight: 1 },
);
const soup = fc.array(word, { minLength: 1, maxLength: 6 }).map((ws) => ws.join(' '));
// Well-formed commands with valid and invalid arguments, so state changes are really attempted.
const SERVERS = ['be/s1', 'be/s2', 'be2/t1', 'be/#1', 'be/#2'];
const NUMBERS = ['0', '1', '10', '100', '256', '-1', '50%', '100%', '0%', 'x', '1e3'];
const server = fc.constantFrom(...SERVERS);
const number = fc.constantFrom(...NUMBERS);
const wellFormed = fc.oneof(
  fc.tuple(server, number).map(([sv, n]) => `set weight ${sv} ${n}`),
  fc.tuple(server, fc.constantFrom('state ready', 'state drain', 'state maint', 'health up', 'health down', 'health stopping', 'agent up', 'addr 127.0.0.2', 'addr 127.0.0.3 port 8080', 'addr ::1', 'check-port 1234'), ).map(([sv, a]) => `set server ${sv} ${a}`),
  fc.tuple(server, number).map(([sv, n]) => `set server ${sv} weight ${n}`),
  fc.tuple(fc.constantFrom('enable', 'disable'), fc.constantFrom('server', 'health', 'agent'), server).map((ws) => ws.join(' ')),
  fc.constantFrom('enable frontend fe', 'disable frontend fe', 'clear counters', 'clear counters all', 'operator', 'user', 'show sess', 'show errors', 'show servers state be'),
  fc.tuple(server, number).map(([sv, n]) => `set maxconn server ${sv} ${n}`),
  number.map((n) => `set maxconn frontend fe ${n}`),
  number.map((n) => `set maxconn global ${n}`),
  server.map((sv) => `shutdown sessions server ${sv}`),
);
const command = fc.oneof({ arbitrary: wellFormed, weight: 1 }, { arbitrary: soup, weight: 1 });
const lineArb = fc.oneof(
  { arbitrary: fc.array(command, { minLength: 1, maxLength: 4 }).map((cs) => cs.join(';')), weight: 6 },
  { arbitrary: fc.uint8Array({ maxLength: 200 }).map((u) => Buffer.from(u).toString('latin1')), weight: 2 },
  { arbitrary: fc.constantFrom(1000, 8000, MAX_LINE - 2, MAX_LINE + 10, 100_000).map((n) => 'show ' + 'x'.repeat(n)), weight: 1 },
  { arbitrary: fc.constantFrom('', ' ', '\t', '\r', ';', ';;', '\\', 'help', 'show info json', 'show stat typed'), weight: 1 },
);

/** One-shot connections: a few lines, half-close; the output must come and the session close. */
async function oneShotProperty(sock: string, numRuns: number, name: string): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(lineArb, { minLength: 1, maxLength: 4 }), async (lines) => {
      const input = Buffer.from(lines.map((l) => l + '\n').join(''), 'latin1');
      commands += lines.length;
      const { out } = await oneShot(sock, input);
      const first = input.toString('latin1').split('\n')[0]!;
      const oversized = lines.some((l) => l.length > MAX_LINE);
      // Any first line but an empty one (which ends a one-shot session) is answered, blanks too (as HAProxy).
      if (!oversized && first !== '' && !SESSION_ENDERS.test(first)) {
        assert.ok(out.length > 0, `no answer to ${JSON.stringify(first.slice(0, 200))}`);
        assert.ok(out.endsWith('\n'), `an unfinished answer to ${JSON.stringify(first.slice(0, 200))}: ${JSON.stringify(out.slice(-200))}`);
      }
      assert.equal(sy.proc.exitCode, null, `switchyard died after ${JSON.stringify(input.toString('latin1').slice(0, 300))}:\n${sy.output().slice(-2000)}`);
    }),
    { numRuns, seed: fuzzSeed(name), endOnFailure: true, includeErrorInReport: true },
  );
}

/** A prompt-mode session: each line is answered with a reply ending in "\n> " before the next. */
async function promptProperty(sock: string, numRuns: number, name: string): Promise<void> {
  const promptLine = lineArb.filter((l) => !l.includes('\n') && l.length <= MAX_LINE && !SESSION_ENDERS.test(l) && l.trim() !== '');
  await fc.assert(
    fc.asyncProperty(fc.array(promptLine, { minLength: 1, maxLength: 8 }), async (lines) => {
      const c = net.connect({ path: sock });
      c.on('error', () => {});
      let out = '';
      let closed = false;
      c.on('data', (d: Buffer) => (out += d.toString('latin1')));
      c.on('close', () => (closed = true));
      const answered = async (what: string): Promise<void> => {
        const deadline = Date.now() + 10_000;
        while (!out.endsWith('\n> ')) {
          assert.ok(!closed, `the session closed instead of answering ${JSON.stringify(what.slice(0, 200))}; got ${JSON.stringify(out.slice(-300))}`);
          assert.ok(Date.now() < deadline, `no prompt after ${JSON.stringify(what.slice(0, 200))}; got ${JSON.stringify(out.slice(-300))}`);
          await new Promise((r) => setTimeout(r, 5));
        }
      };
      try {
        await new Promise<void>((r) => c.once('connect', r));
        c.write('prompt\n');
        await answered('prompt');
        for (const l of lines) {
          out = '';
          commands++;
          c.write(Buffer.from(l + '\n', 'latin1'));
          await answered(l);
        }
        out = '';
        c.write('quit\n');
        const deadline = Date.now() + 10_000;
        while (!closed) {
          assert.ok(Date.now() < deadline, 'quit did not end the session');
          await new Promise((r) => setTimeout(r, 5));
        }
      } finally {
        c.destroy();
      }
      assert.equal(sy.proc.exitCode, null, `switchyard died:\n${sy.output().slice(-2000)}`);
    }),
    { numRuns, seed: fuzzSeed(name), endOnFailure: true, includeErrorInReport: true },
  );
}

test('level user: random command lines, one-shot and in prompt mode, are answered and change nothing', async () => {
  const before = await observableState();
  await oneShotProperty(USER, 1200, 'cli-fuzz user one-shot');
  await promptProperty(USER, 150, 'cli-fuzz user prompt');
  assert.equal(await observableState(), before, 'a level user session changed state');
});

test('level admin: random command lines, one-shot and in prompt mode, are answered and never crash the process', async () => {
  await oneShotProperty(ADMIN, 1200, 'cli-fuzz admin one-shot');
  await promptProperty(ADMIN, 150, 'cli-fuzz admin prompt');
  // The fuzz may have disabled the frontend or lowered its limits: restore them, then check it serves.
  await oneShot(ADMIN, Buffer.from('enable frontend fe; set maxconn frontend fe 2000; set maxconn global 0\n'));
  const { out } = await oneShot(ADMIN, Buffer.from('show info\n'));
  assert.match(out, /^Name: /m, 'the runtime API still answers');
  assert.match(await rawExchange(FE!, 'GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'), /^HTTP\/1\.1 \d{3} /, 'the frontend still answers');
});
