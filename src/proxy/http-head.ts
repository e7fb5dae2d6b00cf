// Strict HTTP/1.x message-head parser for requests and responses. It works on one latin1
// string of the head, fills a reusable HttpHead in place, and reports faults as the status
// HAProxy answers with (400/414/431 for requests; any fault in a response means 502).

export interface HttpHead {
  method: string;
  target: string;
  status: number;
  reason: string;
  /** 10 or 11 */
  version: number;
  /** Header names in lower case (HAProxy sends them so too) and their values. */
  names: string[];
  values: string[];
  /** -1 when absent. */
  contentLength: number;
  chunked: boolean;
  /** Both Content-Length and Transfer-Encoding came: the length was dropped, chunked wins. */
  lengthDropped: boolean;
  connClose: boolean;
  connKeepAlive: boolean;
  upgrade: boolean;
  expectContinue: boolean;
}

export function newHead(): HttpHead {
  return {
    method: '', target: '', status: 0, reason: '', version: 11,
    names: [], values: [],
    contentLength: -1, chunked: false, lengthDropped: false, connClose: false, connKeepAlive: false, upgrade: false, expectContinue: false,
  };
}

function reset(h: HttpHead): void {
  h.method = h.target = h.reason = '';
  h.status = 0;
  h.version = 11;
  // New arrays: truncating the old ones is a slow runtime call in V8, and they regrow anyway.
  h.names = [];
  h.values = [];
  h.contentLength = -1;
  h.chunked = h.lengthDropped = h.connClose = h.connKeepAlive = h.upgrade = h.expectContinue = false;
}

/** Never written to: a head whose headers were dropped points here until its next parse. */
const NO_HEADERS: string[] = [];

/** Let go of the head's header strings once they are no longer read (the parse gives new arrays). */
export function dropHeaders(h: HttpHead): void {
  h.names = NO_HEADERS;
  h.values = NO_HEADERS;
}

// RFC 9110 tchar: the only bytes allowed in a method or a header name.
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[c.charCodeAt(0)] = 1;

/** `s[from..to)` is a token; ranges of the whole head avoid a sliced string per check. */
function isToken(s: string, from = 0, to = s.length): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || TCHAR[c] === 0) return false;
  }
  return true;
}

/** Field values: visible chars, obs-text, SP and HTAB; never CTLs (NUL, CR, LF, DEL...). */
function validValue(s: string, from = 0, to = s.length): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

function validTarget(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

/** Strips optional whitespace (SP and HTAB only: String.prototype.trim also eats VT, FF and NBSP). */
function ows(s: string): string {
  const a = owsStart(s, 0, s.length);
  const b = owsEnd(s, a, s.length);
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

function owsStart(s: string, a: number, b: number): number {
  while (a < b && (s.charCodeAt(a) === 0x20 || s.charCodeAt(a) === 0x09)) a++;
  return a;
}

function owsEnd(s: string, a: number, b: number): number {
  while (b > a && (s.charCodeAt(b - 1) === 0x20 || s.charCodeAt(b - 1) === 0x09)) b--;
  return b;
}

// Names most clients and servers send, as constants: a name found here costs no new string,
// and the comparisons against them below are between internalized strings.
const COMMON_NAMES = [
  'host', 'user-agent', 'accept', 'accept-encoding', 'accept-language', 'accept-ranges', 'authorization', 'cache-control',
  'connection', 'content-encoding', 'content-length', 'content-type', 'cookie', 'date', 'etag', 'expect', 'expires',
  'keep-alive', 'last-modified', 'location', 'origin', 'pragma', 'referer', 'server', 'set-cookie', 'te',
  'transfer-encoding', 'upgrade', 'vary', 'x-forwarded-for', 'x-forwarded-proto', 'x-request-id',
];
const NAMES_BY_LENGTH: string[][] = [];
for (const n of COMMON_NAMES) (NAMES_BY_LENGTH[n.length] ??= []).push(n);

/** `s[from..from+k.length)` is `k` (lower case) in any case. */
function sameNameAt(s: string, from: number, k: string): boolean {
  for (let i = 0; i < k.length; i++) {
    let c = s.charCodeAt(from + i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== k.charCodeAt(i)) return false;
  }
  return true;
}

/** The lower-case header name at `s[from..to)`. */
function lowerName(s: string, from: number, to: number): string {
  const known = NAMES_BY_LENGTH[to - from];
  if (known !== undefined) {
    for (const k of known) if (sameNameAt(s, from, k)) return k;
  }
  return s.slice(from, to).toLowerCase();
}

const MAX_U64 = '18446744073709551615';

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Digits without their leading zeros ("0" stays). */
function stripZeros(d: string): string {
  let i = 0;
  while (i < d.length - 1 && d.charCodeAt(i) === 0x30) i++;
  return i === 0 ? d : d.slice(i);
}

/** `hostport` without the scheme's default port: HAProxy takes http://x:80/ as http://x/. */
function withoutDefaultPort(hostport: string, scheme: string): string {
  const port = scheme === 'http' ? ':80' : scheme === 'https' ? ':443' : '';
  return port !== '' && hostport.endsWith(port) ? hostport.slice(0, -port.length) : hostport;
}

/**
 * An absolute-form target (`scheme://[userinfo@]host[:port]/...`) loses its default port, and
 * its host must be the Host header's, if any. Returns 0 or 400.
 */
function checkAbsoluteForm(h: HttpHead, host: string | undefined): number {
  const t = h.target;
  const i = t.indexOf('://');
  if (i <= 0) return 0;
  const scheme = t.slice(0, i).toLowerCase();
  let j = i + 3;
  while (j < t.length && t[j] !== '/' && t[j] !== '?' && t[j] !== '#') j++;
  const from = t.lastIndexOf('@', j - 1) + 1 || i + 3;
  const hostport = t.slice(from, j);
  const bare = withoutDefaultPort(hostport, scheme);
  if (bare !== hostport) h.target = t.slice(0, from) + bare + t.slice(j);
  if (host !== undefined && bare.toLowerCase() !== withoutDefaultPort(host, scheme).toLowerCase()) return 400;
  return 0;
}

/** 11 or 10 for the `HTTP/1.x` at `s[from..to)`, else 0. */
function parseVersion(s: string, from: number, to: number): number {
  if (to - from !== 8 || !s.startsWith('HTTP/1.', from)) return 0;
  const minor = s.charCodeAt(from + 7);
  return minor === 0x31 ? 11 : minor === 0x30 ? 10 : 0;
}

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');

/**
 * Where the head ends (index after its empty line) in `buf[0..len)`, or -1. Lines end in CRLF
 * or, as HAProxy 2.6 accepts, a bare LF: the head ends at the first LF CRLF or LF LF.
 */
export function findHeadEnd(buf: Buffer, from: number, len: number): number {
  let start = from > 3 ? from - 3 : 0;
  // Empty lines before a request line are no head end: parseHead skips them.
  if (start === 0) {
    while (start < len && (buf[start] === 0x0d || buf[start] === 0x0a)) start++;
    if (start === len) return -1;
  }
  // Fast path: a CRLF head whose every LF before its end follows a CR (one memchr per line).
  const i = buf.indexOf(CRLFCRLF, start);
  if (i >= 0 && i + 4 <= len) {
    let k = buf.indexOf(0x0a, start);
    while (k >= 0 && k < i && buf[k - 1] === 0x0d) k = buf.indexOf(0x0a, k + 1);
    if (k < 0 || k >= i) return i + 4;
  }
  const crlf = buf.indexOf('\n\r\n', start, 'latin1');
  const lf = buf.indexOf('\n\n', start, 'latin1');
  const a = crlf >= 0 && crlf + 3 <= len ? crlf + 3 : -1;
  const b = lf >= 0 && lf + 2 <= len ? lf + 2 : -1;
  return a < 0 ? b : b < 0 ? a : Math.min(a, b);
}

/** Where the content of the line whose LF is at `lf` stops: before a CR ending it, if any. */
function lineStop(text: string, lf: number): number {
  return lf > 0 && text.charCodeAt(lf - 1) === 0x0d ? lf - 1 : lf;
}

/** A head that does not end within `limit` bytes: 414 if even the request line is unfinished, else 431. */
export function oversizedRequestStatus(buf: Buffer, len: number): number {
  const eol = buf.indexOf('\r\n', 0, 'latin1');
  return eol < 0 || eol >= len ? 414 : 431;
}

/**
 * Parse a complete head (`text` ends with its empty line; lines end in CRLF or LF). Returns 0 when valid, else the status
 * to refuse it with (400 for a request; the caller maps a response fault to 502).
 */
export function parseHead(text: string, isResponse: boolean, h: HttpHead, maxHeaders: number): number {
  reset(h);
  // Empty lines before a request line are skipped (RFC 9112 2.2), as HAProxy does.
  let first = 0;
  if (!isResponse) {
    while (text.charCodeAt(first) === 0x0a || (text.charCodeAt(first) === 0x0d && text.charCodeAt(first + 1) === 0x0a)) first += text.charCodeAt(first) === 0x0a ? 1 : 2;
    if (first >= text.length) return 400;
  }
  let eol = text.indexOf('\n', first);
  const stop0 = lineStop(text, eol);
  if (isResponse) {
    const sp1 = text.indexOf(' ', first);
    if (sp1 <= first || sp1 > stop0) return 400;
    h.version = parseVersion(text, first, sp1);
    const d0 = text.charCodeAt(sp1 + 1) - 0x30;
    const d1 = text.charCodeAt(sp1 + 2) - 0x30;
    const d2 = text.charCodeAt(sp1 + 3) - 0x30;
    const threeDigits = sp1 + 4 <= stop0 && d0 >= 1 && d0 <= 9 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9;
    if (h.version === 0 || !threeDigits || (stop0 > sp1 + 4 && text.charCodeAt(sp1 + 4) !== 0x20)) return 400;
    h.status = d0 * 100 + d1 * 10 + d2;
    h.reason = stop0 > sp1 + 5 ? text.slice(sp1 + 5, stop0) : '';
    if (!validValue(h.reason)) return 400;
  } else {
    const sp1 = text.indexOf(' ', first);
    const sp2 = sp1 > first && sp1 < stop0 ? text.indexOf(' ', sp1 + 1) : -1;
    const sp3 = sp2 > sp1 + 1 && sp2 < stop0 ? text.indexOf(' ', sp2 + 1) : -1;
    if (sp2 > sp1 + 1 && sp2 < stop0 && (sp3 < 0 || sp3 >= stop0)) {
      h.method = text.slice(first, sp1);
      h.target = text.slice(sp1 + 1, sp2);
      h.version = parseVersion(text, sp2 + 1, stop0);
    } else {
      // Runs of SP/HTAB separate the three parts, as RFC 9112 allows and HAProxy accepts.
      const parts = text.slice(first, stop0).split(/[ \t]+/);
      if (parts.length !== 3) return 400;
      h.method = parts[0]!;
      h.target = parts[1]!;
      h.version = parseVersion(parts[2]!, 0, parts[2]!.length);
    }
    if (!isToken(h.method) || !validTarget(h.target) || h.version === 0) return 400;
  }
  let pos = eol + 1;
  let clSeen = false;
  let teSeen = false;
  let cl = '';
  /** Codings of every Transfer-Encoding header, in order: HAProxy reads them as one list. */
  let codings: string[] | undefined;
  let host: string | undefined;
  for (;;) {
    eol = text.indexOf('\n', pos);
    const stop = lineStop(text, eol);
    if (stop === pos) break;
    const c0 = text.charCodeAt(pos);
    // obs-fold (a line starting with SP/HTAB) is refused, as a smuggling vector.
    if (c0 === 0x20 || c0 === 0x09) return 400;
    const colon = text.indexOf(':', pos);
    if (colon < 0 || colon > stop) return 400;
    if (!isToken(text, pos, colon) || !validValue(text, colon + 1, stop)) return 400;
    if (h.names.length >= maxHeaders) return 400;
    const lower = lowerName(text, pos, colon);
    const vFrom = owsStart(text, colon + 1, stop);
    let value = text.slice(vFrom, owsEnd(text, vFrom, stop));
    pos = eol + 1;
    if (lower === 'content-length') {
      // Any number of digits up to a 64-bit value, as HAProxy; repeated equal lengths (in one
      // header or several) travel on as one header with one value.
      const wasSeen = clSeen;
      const list = value.indexOf(',') >= 0;
      // (split only for a list: one value is the rule, and split costs more than the rest.)
      for (const part of list ? value.split(',') : [value]) {
        const v = list ? ows(part) : part;
        if (!isDigits(v)) return 400;
        const n = stripZeros(v);
        if (n.length > 20 || (n.length === 20 && n > MAX_U64) || (clSeen && n !== cl)) return 400;
        cl = n;
        clSeen = true;
      }
      if (wasSeen) continue;
      h.contentLength = Number(cl);
      if (list) value = cl;
    }
    h.names.push(lower);
    h.values.push(value);
    switch (lower) {
      case 'host': {
        // Two different hosts (or an absolute-form target naming another) are refused as by HAProxy.
        if (host !== undefined && host.toLowerCase() !== value.toLowerCase()) return 400;
        host = value;
        break;
      }
      case 'transfer-encoding': {
        // As in HAProxy, an empty header and an empty element after chunked count for nothing,
        // but an empty element before it is a coding like any other (so ',chunked' gets 422).
        teSeen = true;
        if (value === '') break;
        for (const c of value.toLowerCase().split(',')) {
          const coding = ows(c);
          codings ??= [];
          if (coding !== '' || codings.indexOf('chunked') < 0) codings.push(coding);
        }
        break;
      }
      case 'connection': {
        const v = value.toLowerCase();
        if (v.includes('close')) h.connClose = true;
        if (v.includes('keep-alive')) h.connKeepAlive = true;
        if (v.includes('upgrade')) h.upgrade = true;
        break;
      }
      case 'expect':
        if (value.toLowerCase() === '100-continue') h.expectContinue = true;
        break;
    }
  }
  // Both framings at once (a smuggling shape): as HAProxy, chunked wins and the length is
  // dropped; the caller removes the header and closes the connection after this message.
  if (!isResponse && h.target.charCodeAt(0) !== 0x2f && checkAbsoluteForm(h, host) !== 0) return 400;
  if (teSeen) {
    // chunked must come once and last, even across several headers.
    codings ??= [];
    h.chunked = codings[codings.length - 1] === 'chunked';
    if (!h.chunked || codings.indexOf('chunked') !== codings.length - 1) return 400;
    // Other codings before chunked are not applied by a proxy; HAProxy refuses such requests.
    if (!isResponse && codings.length > 1) return 422;
  }
  if (clSeen && teSeen) {
    h.contentLength = -1;
    h.lengthDropped = true;
  }
  if (h.upgrade && h.names.indexOf('upgrade') < 0) h.upgrade = false;
  return 0;
}

/** Value of the first header called `lower`, or undefined. */
export function headerValue(h: HttpHead, lower: string): string | undefined {
  const i = h.names.indexOf(lower);
  return i >= 0 ? h.values[i] : undefined;
}
