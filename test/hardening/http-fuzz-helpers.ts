// Pieces of the HTTP fuzz tests: a strict HTTP/1.1 message checker (independent of the one in
// src/), a recording backend that checks every byte it gets, and a client that sends one
// case over one connection in chosen segments and collects what comes back.

import net from 'node:net';

export type Parsed =
  | { kind: 'ok'; end: number; status: number; target: string; http10: boolean; headers: [string, string][]; body: string }
  | { kind: 'more' }
  | { kind: 'bad'; why: string };

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e]+) HTTP\/1\.[01]$/;
const STATUS_LINE = /^HTTP\/1\.[01] ([1-9]\d\d)(?: [\t\x20-\x7e\x80-\xff]*)?$/;
const FIELD = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([\t\x20-\x7e\x80-\xff]*)$/;
const CHUNK_SIZE = /^([0-9a-fA-F]{1,15})[ \t]*(;[\t\x20-\x7e\x80-\xff]*)?$/;
// What a partial line may still grow into: no CTL but HTAB, no bare CR.
const PARTIAL_LINE = /^[\t\x20-\x7e\x80-\xff]*\r?$/;

interface Line {
  text: string;
  next: number;
}

/** The line at `pos` of `s`; undefined when it does not end yet; a string (the fault) when a bare CR/LF or a CTL is in it. */
function line(s: string, pos: number): Line | undefined | string {
  const lf = s.indexOf('\n', pos);
  if (lf < 0) return PARTIAL_LINE.test(s.slice(pos)) ? undefined : `bad bytes in an unfinished line at ${pos}`;
  if (lf === pos || s.charCodeAt(lf - 1) !== 0x0d) return `bare LF at ${lf}`;
  const text = s.slice(pos, lf - 1);
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(text)) return `control byte in line ${JSON.stringify(text.slice(0, 80))}`;
  return { text, next: lf + 1 };
}

/** Header or trailer fields from `pos` up to the empty line. */
function fields(s: string, pos: number): { list: [string, string][]; next: number } | undefined | string {
  const list: [string, string][] = [];
  for (;;) {
    const l = line(s, pos);
    if (l === undefined || typeof l === 'string') return l;
    if (l.text === '') return { list, next: l.next };
    const m = FIELD.exec(l.text);
    if (!m) return `malformed field ${JSON.stringify(l.text.slice(0, 80))}`;
    list.push([m[1]!.toLowerCase(), m[2]!.trim()]);
    pos = l.next;
  }
}

/**
 * One HTTP/1.1 message of `s` (latin1) from `pos`, checked strictly: token method, clean target,
 * field syntax, at most one Content-Length, never both Content-Length and Transfer-Encoding,
 * chunk sizes in hex with only `;` extensions, trailers as fields. `closed`: the stream ended
 * (a response without framing ends there). `noBody`: a response to HEAD.
 */
export function parseMessage(s: string, pos: number, isResponse: boolean, closed = false, noBody = false): Parsed {
  const first = line(s, pos);
  if (first === undefined) return { kind: 'more' };
  if (typeof first === 'string') return { kind: 'bad', why: first };
  let status = 0;
  let target = '';
  if (isResponse) {
    const m = STATUS_LINE.exec(first.text);
    if (!m) return { kind: 'bad', why: `bad status line ${JSON.stringify(first.text.slice(0, 80))}` };
    status = Number(m[1]);
  } else {
    const m = REQUEST_LINE.exec(first.text);
    if (!m) return { kind: 'bad', why: `bad request line ${JSON.stringify(first.text.slice(0, 80))}` };
    target = m[2]!;
  }
  const f = fields(s, first.next);
  if (f === undefined) return { kind: 'more' };
  if (typeof f === 'string') return { kind: 'bad', why: f };
  const headers = f.list;
  const http10 = first.text.startsWith('HTTP/1.0') || first.text.endsWith('HTTP/1.0');
  const cls = headers.filter(([n]) => n === 'content-length');
  const tes = headers.filter(([n]) => n === 'transfer-encoding');
  if (cls.length > 1) return { kind: 'bad', why: 'several content-length fields' };
  if (cls.length > 0 && tes.length > 0) return { kind: 'bad', why: 'both content-length and transfer-encoding' };
  let p = f.next;
  const bodyless = isResponse && (noBody || status < 200 || status === 204 || status === 304);
  if (bodyless) return { kind: 'ok', end: p, status, target, http10, headers, body: '' };
  if (tes.length > 0) {
    const codings = tes.map(([, v]) => v).join(',').toLowerCase().split(',').map((c) => c.trim());
    if (codings[codings.length - 1] !== 'chunked' || codings.indexOf('chunked') !== codings.length - 1) return { kind: 'bad', why: `transfer-encoding ${codings.join(',')}` };
    if (!isResponse && codings.length !== 1) return { kind: 'bad', why: 'a coding before chunked in a request' };
    let body = '';
    for (;;) {
      const l = line(s, p);
      if (l === undefined) return /^[0-9a-fA-F]*([ \t]*(;[\t\x20-\x7e\x80-\xff]*)?)?\r?$/.test(s.slice(p)) ? { kind: 'more' } : { kind: 'bad', why: `bad chunk size start ${JSON.stringify(s.slice(p, p + 20))}` };
      if (typeof l === 'string') return { kind: 'bad', why: `chunk size line: ${l}` };
      const m = CHUNK_SIZE.exec(l.text);
      if (!m) return { kind: 'bad', why: `bad chunk size ${JSON.stringify(l.text.slice(0, 40))}` };
      const size = parseInt(m[1]!, 16);
      p = l.next;
      if (size === 0) break;
      if (s.length < p + size + 2) {
        const tail = s.slice(p + size, p + size + 2);
        return '\r\n'.startsWith(tail) ? { kind: 'more' } : { kind: 'bad', why: 'chunk data not followed by CRLF' };
      }
      if (s.slice(p + size, p + size + 2) !== '\r\n') return { kind: 'bad', why: 'chunk data not followed by CRLF' };
      body += s.slice(p, p + size);
      p += size + 2;
    }
    const t = fields(s, p);
    if (t === undefined) return { kind: 'more' };
    if (typeof t === 'string') return { kind: 'bad', why: `trailer: ${t}` };
    return { kind: 'ok', end: t.next, status, target, http10, headers, body };
  }
  if (cls.length === 1) {
    const v = cls[0]![1];
    if (!/^\d{1,15}$/.test(v)) return { kind: 'bad', why: `content-length ${JSON.stringify(v)}` };
    const n = Number(v);
    if (s.length < p + n) return { kind: 'more' };
    return { kind: 'ok', end: p + n, status, target, http10, headers, body: s.slice(p, p + n) };
  }
  if (isResponse) return closed ? { kind: 'ok', end: s.length, status, target, http10, headers, body: s.slice(p) } : { kind: 'more' };
  return { kind: 'ok', end: p, status, target, http10, headers, body: '' };
}

/** Every message of a stream: the complete ones, then what is left (a valid prefix or a fault). */
export function parseStream(s: string, isResponse: boolean, closed: boolean, noBodyAt: (i: number) => boolean = () => false) {
  const messages: Extract<Parsed, { kind: 'ok' }>[] = [];
  let pos = 0;
  while (pos < s.length) {
    const r = parseMessage(s, pos, isResponse, closed, noBodyAt(messages.length));
    if (r.kind !== 'ok') return { messages, rest: s.slice(pos), fault: r.kind === 'bad' ? r.why : undefined };
    messages.push(r);
    pos = r.end;
  }
  return { messages, rest: '', fault: undefined };
}

export function isToken(s: string): boolean {
  return TCHAR.test(s);
}

export const BACKEND_BODY = 'ok';

interface RecConn {
  data: string;
  parsedTo: number;
  /** The case during which its last bytes came. */
  lastCase: number;
}

/**
 * A raw TCP backend that records every byte, checks each request strictly as it completes,
 * and answers each with a fixed 200 (`x-rec` names the request's target). Faults are kept
 * in `violations`; the connection that carried one is closed.
 */
export async function recordingBackend(port: number) {
  const conns = new Set<RecConn>();
  const sockets = new Set<net.Socket>();
  const state = { complete: 0, bytes: 0, currentCase: 0, violations: [] as string[], targets: [] as string[] };
  const server = net.createServer((sock) => {
    const c: RecConn = { data: '', parsedTo: 0, lastCase: state.currentCase };
    conns.add(c);
    sockets.add(sock);
    sock.on('error', () => {});
    sock.on('close', () => sockets.delete(sock));
    sock.on('data', (d: Buffer) => {
      c.data += d.toString('latin1');
      c.lastCase = state.currentCase;
      state.bytes += d.length;
      for (;;) {
        const r = parseMessage(c.data, c.parsedTo, false);
        if (r.kind === 'more') break;
        if (r.kind === 'bad') {
          state.violations.push(`case ${state.currentCase}: backend got a malformed request (${r.why}): ${JSON.stringify(c.data.slice(c.parsedTo, c.parsedTo + 300))}`);
          c.parsedTo = c.data.length;
          sock.destroy();
          return;
        }
        c.parsedTo = r.end;
        state.complete++;
        state.targets.push(r.target);
        sock.write(`HTTP/1.1 200 OK\r\nx-rec: ${r.target.slice(0, 60)}\r\ncontent-length: ${BACKEND_BODY.length}\r\n\r\n${BACKEND_BODY}`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    state,
    /** The bytes of an unfinished request that came during case `id` ('' when none). */
    partialDuring(id: number): string {
      for (const c of conns) if (c.lastCase === id && c.parsedTo < c.data.length) return c.data.slice(c.parsedTo);
      return '';
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export interface Exchange {
  received: string;
}

/**
 * Sends `segments` on one connection (a macrotask between them so they leave as separate
 * writes), half-closes once `expectResponses` complete responses came (or at once when 0),
 * and resolves with all received bytes when the peer closes. `head`: the requests are HEAD (no bodies).
 */
export function sendCase(port: number, segments: Buffer[], expectResponses: number, timeoutMs = 15_000, head = false): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    s.setNoDelay(true);
    let received = '';
    let ended = false;
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; received ${JSON.stringify(received.slice(0, 300))}`));
    }, timeoutMs);
    const endIfDone = (): void => {
      if (ended) return;
      if (expectResponses === 0 || parseStream(received, true, false, () => head).messages.filter((m) => m.status >= 200).length >= expectResponses) {
        ended = true;
        s.end();
      }
    };
    s.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      if (written) endIfDone();
    });
    s.on('error', () => {});
    // The peer closed its side: close ours too, as any client would.
    s.on('end', () => s.end());
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ received });
    });
    let written = false;
    s.once('connect', async () => {
      for (let i = 0; i < segments.length; i++) {
        if (s.destroyed) break;
        s.write(segments[i]!);
        if (i < segments.length - 1) await new Promise((r) => setImmediate(r));
      }
      written = true;
      if (!s.destroyed) endIfDone();
    });
  });
}

/** Cut `data` at the given offsets (taken modulo its length, deduplicated, sorted). */
export function splitAt(data: Buffer, cuts: number[]): Buffer[] {
  if (data.length <= 1) return [data];
  const points = [...new Set(cuts.map((c) => 1 + (c % (data.length - 1))))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(data.subarray(from, p));
    from = p;
  }
  out.push(data.subarray(from));
  return out;
}

export function bytewise(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i++) out.push(data.subarray(i, i + 1));
  return out;
}

/** Seed for fast-check: FUZZ_SEED when set, else a random one; always printed. */
export function fuzzSeed(name: string): number {
  const env = process.env.FUZZ_SEED;
  const seed = env !== undefined && env !== '' ? Number(env) : (Math.random() * 2 ** 31) | 0;
  console.log(`${name}: seed ${seed} (rerun with FUZZ_SEED=${seed})`);
  return seed;
}
