// HTTP fuzzing of the real binary. Generated requests (methods, targets, fields, Content-Length
// and chunked bodies with extensions and trailers), sometimes pipelined, sometimes damaged
// (byte flips, inserted NUL/CR/LF/SP/':', truncation, duplicated or conflicting fields,
// oversized lines, bad chunk sizes), are sent in random segments. Whatever Switchyard does,
// what reaches the recording backend must parse strictly, a request Switchyard refused must
// not reach it at all, and a well-behaved keep-alive client beside the fuzz sees only 200s.
// Then generated and damaged responses: the client sees the full response, a 502, or a close,
// never a second response, and eresp counts the failures. (The config parser has its own fuzz
// in test/config/fuzz.test.ts.)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import fc from 'fast-check';
import { freePorts } from '../helpers/ports.js';
import { startSwitchyard, type Running } from '../helpers/switchyard.js';
import { statsRow } from '../e2e/dataplane-helpers.js';
import { BACKEND_BODY, bytewise, fuzzSeed, parseStream, recordingBackend, sendCase, splitAt } from './http-fuzz-helpers.js';

const [FE, REC, KA, FR, RESP, ST] = await freePorts(6);
let sy: Running;
let rec: Awaited<ReturnType<typeof recordingBackend>>;
let ka: http.Server;
const totals = { requests: 0, responses: 0, keepAlive: 0 };
/** How the fuzzed requests were answered: status (or 'close') to count. */
const outcomes: Record<string, number> = {};
/** How the fuzzed responses reached the client. */
const responseOutcomes = { e502: 0, e504: 0, cut: 0, whole: 0 };

// Statuses HAProxy itself answers a client with.
const PROXY_STATUSES = new Set([400, 403, 405, 408, 413, 414, 421, 422, 425, 429, 431, 500, 501, 502, 503, 504]);

before(async () => {
  rec = await recordingBackend(REC!);
  ka = http.createServer((_req, res) => res.end('ka'));
  ka.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => ka.listen(KA, '127.0.0.1', r));
  await startResponder();
  sy = await startSwitchyard(
    `defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 5s
    timeout http-request 3s
    timeout http-keep-alive 3s
frontend fz
    bind 127.0.0.1:${FE}
    use_backend ka if { path_beg /ka/ }
    default_backend rec
backend rec
    server r1 127.0.0.1:${REC}
backend ka
    server k1 127.0.0.1:${KA}
frontend fr
    bind 127.0.0.1:${FR}
    default_backend resp
backend resp
    timeout server 2s
    server s1 127.0.0.1:${RESP}
listen stats
    bind 127.0.0.1:${ST}
    stats enable
    stats uri /stats
`,
    [FE!, FR!, ST!],
  );
});

after(async () => {
  console.log(`http-fuzz: ${totals.requests} requests, ${totals.responses} responses, ${totals.keepAlive} keep-alive requests beside them; request outcomes ${JSON.stringify(outcomes)}, response outcomes ${JSON.stringify(responseOutcomes)}`);
  await sy?.stop();
  await rec?.close();
  ka?.closeAllConnections();
  await new Promise((r) => ka?.close(r));
  await stopResponder();
});

// ---- requests -------------------------------------------------------------------------

const latin1 = (a: fc.Arbitrary<Uint8Array>): fc.Arbitrary<string> => a.map((u) => Buffer.from(u).toString('latin1'));
const token = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz-_0123456789'), minLength: 1, maxLength: 12 }).map((s) => `x-${s}`);
const fieldValue = fc.string({ unit: fc.constantFrom(...'abcXYZ 019,;=/"()@\t~'), maxLength: 30 }).map((s) => s.trim());

const requestArb = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
  version: fc.constantFrom('1.1', '1.1', '1.1', '1.0'),
  path: fc.string({ unit: fc.constantFrom(...'abcxyz0189-._~/%?=&'), maxLength: 24 }),
  fields: fc.array(fc.tuple(token, fieldValue), { maxLength: 4 }),
  body: fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc.record({ kind: fc.constant('length' as const), data: latin1(fc.uint8Array({ maxLength: 200 })) }),
    fc.record({
      kind: fc.constant('chunked' as const),
      chunks: fc.array(latin1(fc.uint8Array({ minLength: 1, maxLength: 40 })), { maxLength: 4 }),
      ext: fc.constantFrom('', ';a=b', ';x', ' ;q="v"'),
      upper: fc.boolean(),
      trailers: fc.array(fc.tuple(token, fieldValue), { maxLength: 2 }),
    }),
  ),
});
type Request = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

function serialize(r: Request, marker: string): string {
  let s = `${r.method} /fz/${marker}/${r.path} HTTP/${r.version}\r\nhost: fuzz\r\nx-fz: ${marker}\r\n`;
  for (const [n, v] of r.fields) s += `${n}: ${v}\r\n`;
  const b = r.body;
  if (b.kind === 'length') return `${s}content-length: ${b.data.length}\r\n\r\n${b.data}`;
  if (b.kind === 'chunked') {
    s += 'transfer-encoding: chunked\r\n\r\n';
    for (const c of b.chunks) {
      const size = c.length.toString(16);
      s += `${b.upper ? size.toUpperCase() : size}${b.ext}\r\n${c}\r\n`;
    }
    s += '0\r\n';
    for (const [n, v] of b.trailers) s += `${n}: ${v}\r\n`;
    return `${s}\r\n`;
  }
  return `${s}\r\n`;
}

const BAD_CHUNK_SIZES = ['fffffffffffffffffff', '-1', '0x5', ' 5', '5 x', '', '+5', '5\n', '5\r', 'g', '1;a\nb', '5\x00', '10000000000000000'];
const FRAMING_FIELDS = [
  'content-length: 3', 'content-length: 1, 2', 'content-length: 4, 4', 'transfer-encoding: chunked', 'transfer-encoding: identity',
  'transfer-encoding: chunked, gzip', 'content-length: -1', 'content-length: 0x10', 'content-length: 99999999999999999999',
  'Transfer-Encoding : chunked', 'transfer-encoding:\x0bchunked', 'content-length: +3', 'transfer-encoding: "chunked"',
];
const mutationArb = fc.oneof(
  fc.record({ k: fc.constant('flip' as const), at: fc.nat(), x: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ k: fc.constant('insert' as const), at: fc.nat(), what: fc.constantFrom('\0', '\r', '\n', ' ', ':', '\r\n', '\t', '\x7f', '\xff', '\r\n\r\n') }),
  fc.record({ k: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ k: fc.constant('dupField' as const), at: fc.nat() }),
  fc.record({ k: fc.constant('bigLine' as const), n: fc.constantFrom(9000, 17000, 70000), inTarget: fc.boolean() }),
  fc.record({ k: fc.constant('badChunk' as const), what: fc.constantFrom(...BAD_CHUNK_SIZES) }),
  fc.record({ k: fc.constant('framing' as const), what: fc.constantFrom(...FRAMING_FIELDS) }),
  fc.record({ k: fc.constant('bareLF' as const), at: fc.nat() }),
);
type Mutation = typeof mutationArb extends fc.Arbitrary<infer T> ? T : never;

function crlfPositions(s: string, limit = s.length): number[] {
  const out: number[] = [];
  for (let i = s.indexOf('\r\n'); i >= 0 && i < limit; i = s.indexOf('\r\n', i + 2)) out.push(i);
  return out;
}

function mutate(s: string, m: Mutation): string {
  const headEnd = s.indexOf('\r\n\r\n');
  switch (m.k) {
    case 'flip': {
      const i = m.at % s.length;
      return s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ m.x) + s.slice(i + 1);
    }
    case 'insert': {
      const i = m.at % (s.length + 1);
      return s.slice(0, i) + m.what + s.slice(i);
    }
    case 'truncate':
      return s.slice(0, m.at % s.length);
    case 'dupField': {
      const lines = crlfPositions(s, headEnd < 0 ? s.length : headEnd);
      if (lines.length < 2) return s;
      const k = m.at % (lines.length - 1);
      const line = s.slice(lines[k]! + 2, lines[k + 1]! + 2);
      return s.slice(0, lines[k]! + 2) + line + s.slice(lines[k]! + 2);
    }
    case 'bigLine': {
      const filler = 'a'.repeat(m.n);
      if (m.inTarget) return s.replace(' HTTP/', `${filler} HTTP/`);
      const eol = s.indexOf('\r\n');
      return `${s.slice(0, eol + 2)}x-big: ${filler}\r\n${s.slice(eol + 2)}`;
    }
    case 'badChunk': {
      if (headEnd < 0 || !/transfer-encoding: chunked/.test(s.slice(0, headEnd))) return s;
      const eol = s.indexOf('\r\n', headEnd + 4);
      return eol < 0 ? s : s.slice(0, headEnd + 4) + m.what + s.slice(eol);
    }
    case 'framing': {
      const eol = s.indexOf('\r\n');
      return `${s.slice(0, eol + 2)}${m.what}\r\n${s.slice(eol + 2)}`;
    }
    case 'bareLF': {
      const all = crlfPositions(s);
      if (all.length === 0) return s;
      const i = all[m.at % all.length]!;
      return s.slice(0, i) + s.slice(i + 1);
    }
  }
}

const caseArb = fc.record({
  requests: fc.array(fc.tuple(requestArb, fc.oneof({ arbitrary: fc.constant([] as Mutation[]), weight: 1 }, { arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 3 }), weight: 2 })), { minLength: 1, maxLength: 3 }),
  send: fc.oneof(fc.constant({ mode: 'whole' as const, cuts: [] as number[] }), fc.record({ mode: fc.constant('cuts' as const), cuts: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }) }), fc.constant({ mode: 'bytes' as const, cuts: [] as number[] })),
});

let caseNo = 0;

/** Sends one case and checks every property of the exchange; returns the number of requests it carried. */
async function runRequestCase(raw: string, send: { mode: 'whole' | 'cuts' | 'bytes'; cuts: number[] }): Promise<void> {
  const id = ++caseNo;
  rec.state.currentCase = id;
  const startComplete = rec.state.complete;
  const data = Buffer.from(raw, 'latin1');
  const segments = send.mode === 'whole' ? [data] : send.mode === 'bytes' && data.length <= 400 ? bytewise(data) : splitAt(data, send.cuts.length ? send.cuts : [data.length >> 1]);
  // Wait for the responses of a stream that is entirely well-formed; otherwise half-close at once.
  const sent = parseStream(raw, false, false);
  const expect = sent.fault === undefined && sent.rest === '' ? sent.messages.length : 0;
  const ex = await sendCase(FE!, segments, expect);
  const got = parseStream(ex.received, true, true);
  const where = `case ${id}, sent ${JSON.stringify(raw.slice(0, 400))}, received ${JSON.stringify(ex.received.slice(0, 400))}`;
  assert.equal(got.fault, undefined, `the client got a malformed response (${got.fault}); ${where}`);
  assert.equal(got.rest, '', `the client got a truncated response; ${where}`);
  assert.deepEqual(rec.state.violations, [], 'what reached the backend must parse strictly');
  const firstOwn = got.messages.findIndex((m) => !m.headers.some(([n]) => n === 'x-rec'));
  for (const m of got.messages) outcomes[m.status] = (outcomes[m.status] ?? 0) + 1;
  if (firstOwn < 0) outcomes.noErrorPage = (outcomes.noErrorPage ?? 0) + 1;
  for (const [i, m] of got.messages.entries()) {
    if (firstOwn < 0 || i < firstOwn) {
      assert.equal(m.status, 200, where);
      assert.equal(m.body, BACKEND_BODY, where);
    } else {
      assert.equal(i, firstOwn, `nothing may follow Switchyard's own error response; ${where}`);
      assert.ok(PROXY_STATUSES.has(m.status), `status ${m.status} is not one HAProxy answers with; ${where}`);
      // The backend answers every complete request at once: a 504 means a wait for bytes that could never come.
      assert.notEqual(m.status, 504, `a timeout blamed on the server; ${where}`);
    }
  }
  if (expect > 0) {
    // Every HTTP/1.1 request of a clean stream is answered, up to an error page or an HTTP/1.0 request.
    const http10 = sent.messages.findIndex((m) => m.http10);
    const due = http10 < 0 ? expect : http10 + 1;
    assert.ok(got.messages.length === due || (firstOwn >= 0 && firstOwn < due), `${got.messages.length} responses for ${due} requests; ${where}`);
  }
  const forwarded = rec.state.complete - startComplete;
  const backendAnswers = firstOwn < 0 ? got.messages.length : firstOwn;
  assert.ok(forwarded >= backendAnswers, `${backendAnswers} backend responses for ${forwarded} forwarded requests; ${where}`);
  if (firstOwn >= 0 && got.messages[firstOwn]!.status < 500) {
    assert.equal(forwarded, firstOwn, `a refused request was forwarded complete; ${where}`);
    // A fault in a chunked body is found after the head left (HAProxy answers 400 then too):
    // the server may hold a clean head and body prefix, never a piece of a refused head.
    const partial = rec.partialDuring(id);
    assert.ok(partial === '' || partial.includes('\r\n\r\n'), `bytes of a refused request head reached the backend: ${JSON.stringify(partial.slice(0, 200))}; ${where}`);
  }
}

/** A well-behaved keep-alive client: GETs in a loop until told to stop; returns its statuses. */
function keepAliveClient(stop: { now: boolean }): Promise<{ ok: number; bad: string[] }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const result = { ok: 0, bad: [] as string[] };
  const one = (n: number): Promise<void> =>
    new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: FE, path: `/ka/${n}`, agent }, (res) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          if (res.statusCode === 200 && body === 'ka') result.ok++;
          else result.bad.push(`${res.statusCode} ${body.slice(0, 80)}`);
          resolve();
        });
      });
      req.on('error', (e) => {
        result.bad.push(String(e));
        resolve();
      });
      req.setTimeout(10_000, () => req.destroy(new Error(`keep-alive request ${n} got no response within 10 s`)));
    });
  return (async () => {
    for (let n = 0; n < 20_000 && !stop.now; n++) {
      await one(n);
      await new Promise((r) => setTimeout(r, 2));
    }
    agent.destroy();
    return result;
  })();
}

test('generated and damaged requests, in random segments and pipelined: only clean requests reach the server', async () => {
  const stop = { now: false };
  const kaDone = keepAliveClient(stop);
  try {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ requests, send }) => {
        const marker = caseNo + 1;
        const raw = requests.map(([r, muts], k) => muts.reduce(mutate, serialize(r, `${marker}-${k}`))).join('');
        totals.requests += requests.length;
        await runRequestCase(raw, send);
      }),
      { numRuns: 2000, seed: fuzzSeed('http-fuzz requests'), endOnFailure: true, includeErrorInReport: true },
    );
  } finally {
    stop.now = true;
  }
  const kaResult = await kaDone;
  totals.keepAlive += kaResult.ok + kaResult.bad.length;
  assert.deepEqual(kaResult.bad, [], 'the well-behaved keep-alive client must see only 200s');
  assert.ok(kaResult.ok > 0);
  assert.equal(sy.proc.exitCode, null, 'switchyard must still run');
});

test('short requests split at every byte boundary are answered whole', async () => {
  const seeds = [
    'GET /fz/split/a?b=c HTTP/1.1\r\nhost: x\r\nx-a: 1\r\n\r\n',
    'POST /fz/split/c HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n3;e=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nx-t: 1\r\n\r\n',
    'PUT /fz/split/l HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhelloGET /fz/split/p HTTP/1.1\r\nhost: x\r\n\r\n',
  ];
  for (const raw of seeds) {
    const data = Buffer.from(raw, 'latin1');
    const n = parseStream(raw, false, false).messages.length;
    for (let cut = 1; cut < data.length; cut++) {
      const id = ++caseNo;
      rec.state.currentCase = id;
      const ex = await sendCase(FE!, [data.subarray(0, cut), data.subarray(cut)], n);
      const got = parseStream(ex.received, true, true);
      totals.requests += n;
      assert.deepEqual(got.messages.map((m) => m.status), Array(n).fill(200), `cut at ${cut} of ${JSON.stringify(raw)}: ${JSON.stringify(ex.received)}`);
    }
  }
  assert.deepEqual(rec.state.violations, []);
});

test('a request body cut short by the client closing its side is dropped at once, not blamed on the server', async () => {
  const eresp0 = Number((await statsRow(ST!, 'rec', 'r1')).eresp);
  for (let i = 0; i < 5; i++) {
    const ex = await sendCase(FE!, [Buffer.from(`POST /fz/cut-${i} HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\nabc`, 'latin1')], 0);
    assert.equal(ex.received, '', 'a close, as HAProxy: no response for a request that never ended');
  }
  assert.equal(Number((await statsRow(ST!, 'rec', 'r1')).eresp), eresp0, 'no failed response counted against the server');
});

// ---- responses ------------------------------------------------------------------------

interface Plan {
  bytes: string;
  cuts: number[];
  close: boolean;
  /** Bytes from here on go in one write with the byte before: on a kept connection, stray
   * bytes sent later would be read as the answer to the next request, by any proxy. */
  tailFrom: number;
}
const plans = new Map<string, Plan>();
let responder: net.Server;
const responderSockets = new Set<net.Socket>();

/** Answers `GET /r/<id>` with the planned bytes, in the planned segments, then closes if planned. */
async function startResponder(): Promise<void> {
  responder = net.createServer({ allowHalfOpen: true }, (sock) => {
    responderSockets.add(sock);
    sock.on('close', () => responderSockets.delete(sock));
    sock.on('error', () => {});
    let buf = '';
    sock.on('data', async (d: Buffer) => {
      buf += d.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        const id = /^(?:GET|HEAD) \/r\/(\d+) /.exec(buf)?.[1] ?? '';
        buf = buf.slice(end + 4);
        const plan = plans.get(id);
        if (!plan) return void sock.destroy();
        const all = Buffer.from(plan.bytes, 'latin1');
        const segments = splitAt(all.subarray(0, plan.tailFrom), plan.cuts);
        segments.push(Buffer.concat([segments.pop()!, all.subarray(plan.tailFrom)]));
        for (const seg of segments) {
          if (sock.destroyed) return;
          sock.write(seg);
          await new Promise((r) => setImmediate(r));
        }
        if (plan.close) sock.end();
      }
    });
  });
  await new Promise<void>((r) => responder.listen(RESP, '127.0.0.1', r));
}

async function stopResponder(): Promise<void> {
  for (const s of responderSockets) s.destroy();
  await new Promise((r) => responder?.close(r));
}


const INTERIM = ['HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\n'];
const responseArb = fc.record({
  head: fc.constantFrom(false, false, false, true),
  interim: fc.constantFrom('', '', '', ...INTERIM),
  status: fc.constantFrom(200, 201, 204, 301, 404, 500, 503),
  reason: fc.constantFrom('OK', 'Fine', '', 'x y'),
  fields: fc.array(fc.tuple(token, fieldValue), { maxLength: 3 }),
  body: fc.oneof(
    fc.record({ kind: fc.constant('length' as const), data: latin1(fc.uint8Array({ maxLength: 300 })) }),
    fc.record({ kind: fc.constant('chunked' as const), chunks: fc.array(latin1(fc.uint8Array({ minLength: 1, maxLength: 60 })), { maxLength: 4 }), ext: fc.constantFrom('', ';a=b'), trailers: fc.array(fc.tuple(token, fieldValue), { maxLength: 2 }) }),
    fc.record({ kind: fc.constant('close' as const), data: latin1(fc.uint8Array({ maxLength: 300 })) }),
  ),
});
type Response = typeof responseArb extends fc.Arbitrary<infer T> ? T : never;

/** The response as a server sends it; to HEAD, the framing fields without the body. */
function serializeResponse(r: Response, id: number): { bytes: string; body: string; untilClose: boolean } {
  let s = `${r.interim}HTTP/1.1 ${r.status} ${r.reason}\r\nx-case: ${id}\r\n`;
  for (const [n, v] of r.fields) s += `${n}: ${v}\r\n`;
  const b = r.body;
  if (r.status === 204) return { bytes: `${s}\r\n`, body: '', untilClose: false };
  if (r.head) {
    const framing = b.kind === 'length' ? `content-length: ${b.data.length}\r\n` : b.kind === 'chunked' ? 'transfer-encoding: chunked\r\n' : '';
    return { bytes: `${s}${framing}\r\n`, body: '', untilClose: b.kind === 'close' };
  }
  if (b.kind === 'length') return { bytes: `${s}content-length: ${b.data.length}\r\n\r\n${b.data}`, body: b.data, untilClose: false };
  if (b.kind === 'close') return { bytes: `${s}\r\n${b.data}`, body: b.data, untilClose: true };
  s += 'transfer-encoding: chunked\r\n\r\n';
  for (const c of b.chunks) s += `${c.length.toString(16)}${b.ext}\r\n${c}\r\n`;
  s += '0\r\n';
  for (const [n, v] of b.trailers) s += `${n}: ${v}\r\n`;
  return { bytes: `${s}\r\n`, body: b.chunks.join(''), untilClose: false };
}

const BAD_STATUS_LINES = ['HTTP/1.1 2000 OK', 'HTTP/1.1 20 OK', 'HTTP/2.0 200 OK', 'HTTP/1.1 200OK', 'http/1.1 200 OK', ' HTTP/1.1 200 OK', 'HTTP/1.1  200 OK', 'HTTP/1.1 099 X', 'HTTP/1.1 200 O\x00K', 'HTTP/1.1 -20 OK'];
const SMUGGLED = 'HTTP/1.1 200 OK\r\nx-case: smuggled\r\ncontent-length: 0\r\n\r\n';
const responseMutationArb = fc.oneof(
  mutationArb.filter((m) => m.k !== 'bigLine' || !m.inTarget),
  fc.record({ k: fc.constant('badStatus' as const), what: fc.constantFrom(...BAD_STATUS_LINES) }),
  fc.record({ k: fc.constant('smuggle' as const) }),
);
type ResponseMutation = typeof responseMutationArb extends fc.Arbitrary<infer T> ? T : never;

function mutateResponse(s: string, m: ResponseMutation): string {
  if (m.k === 'badStatus') return m.what + s.slice(s.indexOf('\r\n'));
  if (m.k === 'smuggle') return s + SMUGGLED;
  return mutate(s, m);
}

async function eresp(): Promise<number> {
  return Number((await statsRow(ST!, 'resp', 's1')).eresp);
}

test('generated and damaged responses: the whole response, a 502 or a close, never a second response; eresp counts them', async () => {
  const counts = responseOutcomes;
  const eresp0 = await eresp();
  await fc.assert(
    fc.asyncProperty(
      responseArb,
      fc.oneof({ arbitrary: fc.constant([] as ResponseMutation[]), weight: 1 }, { arbitrary: fc.array(responseMutationArb, { minLength: 1, maxLength: 2 }), weight: 2 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      fc.boolean(),
      async (resp, muts, cuts, keep) => {
        const id = ++caseNo;
        const plain = serializeResponse(resp, id);
        const bytes = muts.reduce(mutateResponse, plain.bytes);
        // Keep the server connection open only where framing is intact, so no case waits on a timeout.
        const close = plain.untilClose || !keep || muts.some((m) => m.k !== 'smuggle');
        const smuggledAt = bytes.lastIndexOf(SMUGGLED.slice(0, 20));
        plans.set(String(id), { bytes, cuts, close, tailFrom: smuggledAt > 0 ? smuggledAt : bytes.length });
        totals.responses++;
        const ex = await sendCase(FR!, [Buffer.from(`${resp.head ? 'HEAD' : 'GET'} /r/${id} HTTP/1.1\r\nhost: x\r\n\r\n`, 'latin1')], 1, 15_000, resp.head);
        plans.delete(String(id));
        const got = parseStream(ex.received, true, true, () => resp.head);
        // Interim (1xx) responses are relayed before the final one.
        const finals = got.messages.filter((x) => x.status >= 200);
        const where = `case ${id}, server sent ${JSON.stringify(bytes.slice(0, 300))}, client got ${JSON.stringify(ex.received.slice(0, 400))}`;
        assert.equal(got.fault, undefined, `the client got a malformed response (${got.fault}); ${where}`);
        assert.ok(finals.length <= 1, `the client got a second response; ${where}`);
        if (got.rest !== '') assert.ok(got.rest.includes('\r\n\r\n'), `a response head was cut; ${where}`);
        const m = finals[0];
        // The response is this exchange's: its x-case is the one of the first message the server sent.
        const own = m?.headers.find(([n]) => n === 'x-case')?.[1];
        const first = parseStream(bytes, true, close, () => resp.head).messages.find((x) => x.status >= 200);
        const sentCase = first?.headers.find(([n]) => n === 'x-case')?.[1];
        if (own !== undefined && sentCase !== undefined) assert.equal(own, sentCase, `the client got another exchange's response; ${where}`);
        if (own !== undefined) assert.ok(own === sentCase || !/^(\d+|smuggled)$/.test(own) || own === /x-case: ?(\S*)/.exec(bytes)?.[1], `the client got another exchange's response; ${where}`);
        if (m === undefined) counts.cut++;
        else if (own === undefined && m.status === 502) counts.e502++;
        else if (own === undefined && m.status === 504) counts.e504++;
        else counts.whole++;
        if (muts.length === 0) {
          assert.ok(m, `a valid response must arrive whole; ${where}`);
          assert.equal(m.status, resp.status, where);
          assert.equal(m.body, plain.body, where);
        }
      },
    ),
    { numRuns: 1000, seed: fuzzSeed('http-fuzz responses'), endOnFailure: true, includeErrorInReport: true },
  );
  const delta = (await eresp()) - eresp0;
  // Each 502 or 504 Switchyard gave, and each response cut after its head, is one failed response.
  assert.equal(delta, counts.e502 + counts.e504 + counts.cut, `eresp rose by ${delta} for ${JSON.stringify(counts)}`);
  assert.equal(sy.proc.exitCode, null, 'switchyard must still run');
});
