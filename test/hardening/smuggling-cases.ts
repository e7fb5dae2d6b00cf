// The request-smuggling matrix: raw request bytes (often one request with a second one hidden
// in what a lax parser would take as its body) that are sent as-is to Switchyard and to
// Debian's HAProxy 2.6 on the same config. Bytes are latin1 strings so NUL, VT and FF pass.

export interface SmugglingCase {
  name: string;
  raw: string;
  /** Bytes sent only once the server has received part of `raw`: they meet a proxy already forwarding. */
  then?: string;
  /**
   * Why Switchyard refuses these bytes with 400 where HAProxy 2.6 rewrites and forwards them.
   * Such a case is held to the security observables only: nothing may reach the server.
   */
  stricter?: string;
}

// Body bytes pass through Switchyard unchanged, so a bare LF in a chunk line would reach the server as is.
const PASSTHROUGH_BODY = 'chunk lines pass through unchanged: Switchyard cannot rewrite a bare LF as HAProxy does, so it refuses it';
const OBS_FOLD = 'obs-fold is refused (RFC 9112 5.2 allows rejecting it; HAProxy unfolds it)';
const CTL = 'control characters in a value are refused (RFC 9110 5.5: NUL must be rejected or replaced; HAProxy forwards them)';
const TARGET = 'a request-target is visible ASCII only (RFC 9112 3.2); HAProxy passes DEL through';
const VERSION = 'only HTTP/1.0 and HTTP/1.1 are spoken on an HTTP/1 connection (HAProxy takes any HTTP/x.y as 1.1)';

/** Lines joined with CRLF, plus the blank line that ends a head. */
const head = (...lines: string[]): string => lines.join('\r\n') + '\r\n\r\n';

const NEXT = head('GET /next HTTP/1.1', 'host: x');
const SMUGGLED = head('GET /smuggled HTTP/1.1', 'host: x');
/** A chunked body whose end hides SMUGGLED from a reader that trusts a Content-Length. */
const CHUNKED_END = '0\r\n\r\n';
const hidden = CHUNKED_END + SMUGGLED;

export const CASES: SmugglingCase[] = [
  // Baselines: the harness itself must agree on plain, well-framed traffic.
  { name: 'plain GET', raw: head('GET / HTTP/1.1', 'host: x') },
  { name: 'two pipelined GETs', raw: head('GET /a HTTP/1.1', 'host: x') + NEXT },
  { name: 'POST with Content-Length then a GET', raw: head('POST /a HTTP/1.1', 'host: x', 'content-length: 5') + 'hello' + NEXT },
  { name: 'POST chunked then a GET', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked') + '5\r\nhello\r\n0\r\n\r\n' + NEXT },

  // Transfer-Encoding spellings.
  { name: 'TE: chunked, identity', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked, identity', `content-length: ${hidden.length}`) + hidden },
  { name: 'TE: identity, chunked', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: identity, chunked') + hidden },
  { name: 'space before the colon of TE', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding : chunked', `content-length: ${hidden.length}`) + hidden },
  { name: 'TE value after a tab', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding:\tchunked') + hidden },
  { name: 'TE: xchunked with a Content-Length', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: xchunked', `content-length: ${hidden.length}`) + hidden },
  { name: 'TE chunked in two headers', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked', 'transfer-encoding: chunked') + hidden },
  { name: 'TE: CHUNKED in capitals', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: CHUNKED') + hidden },
  { name: 'TE: chunked, chunked', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked, chunked') + hidden },
  { name: 'TE in HTTP/1.0', raw: head('POST /a HTTP/1.0', 'host: x', 'transfer-encoding: chunked') + '5\r\nhello\r\n0\r\n\r\n' },
  { name: 'TE in HTTP/1.0 with a Content-Length', raw: head('POST /a HTTP/1.0', 'host: x', 'connection: keep-alive', 'transfer-encoding: chunked', `content-length: ${hidden.length}`) + hidden },

  // Content-Length spellings.
  { name: 'two identical Content-Lengths', raw: head('POST /a HTTP/1.1', 'host: x', 'content-length: 5', 'content-length: 5') + 'hello' + NEXT },
  { name: 'two different Content-Lengths', raw: head('POST /a HTTP/1.1', 'host: x', 'content-length: 5', 'content-length: 40') + 'hello' + NEXT },
  { name: 'Content-Length: 5,5', raw: head('POST /a HTTP/1.1', 'host: x', 'content-length: 5,5') + 'hello' + NEXT },
  { name: 'Content-Length: 5, 40', raw: head('POST /a HTTP/1.1', 'host: x', 'content-length: 5, 40') + 'hello' + NEXT },
  { name: 'Content-Length: +5', raw: head('POST /a HTTP/1.1', 'host: x', 'content-length: +5') + 'hello' + NEXT },
  { name: 'Content-Length: -1', raw: head('POST /a HTTP/1.1', 'host: x', 'content-length: -1') + NEXT },
  { name: 'Content-Length in hex', raw: head('POST /a HTTP/1.1', 'host: x', 'content-length: 0x5') + 'hello' + NEXT },
  { name: 'Content-Length with 20 digits', raw: head('POST /a HTTP/1.1', 'host: x', 'content-length: 18446744073709551621') + 'hello' + NEXT },
  { name: 'empty Content-Length', raw: head('POST /a HTTP/1.1', 'host: x', 'content-length:') + NEXT },
  { name: 'Content-Length: 5 5', raw: head('POST /a HTTP/1.1', 'host: x', 'content-length: 5 5') + 'hello' + NEXT },
  { name: 'Content-Length before TE', raw: head('POST /a HTTP/1.1', 'host: x', `content-length: ${hidden.length}`, 'transfer-encoding: chunked') + hidden },
  { name: 'TE before Content-Length', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked', 'content-length: 3') + hidden },
  { name: 'GET with a body', raw: head('GET /a HTTP/1.1', 'host: x', 'content-length: 5') + 'hello' + NEXT },

  // Line endings and folding.
  { name: 'bare LF everywhere', raw: 'GET /a HTTP/1.1\nhost: x\n\n' + NEXT },
  { name: 'bare LF after the request line', raw: 'GET /a HTTP/1.1\nhost: x\r\n\r\n' + NEXT },
  { name: 'bare LF between headers', raw: 'GET /a HTTP/1.1\r\nhost: x\nx-a: 1\r\n\r\n' + NEXT },
  { name: 'bare LF heads with a body', raw: 'POST /a HTTP/1.1\nhost: x\ncontent-length: 5\n\nhello' + 'GET /next HTTP/1.1\nhost: x\n\n' },
  { name: 'bare CR ending a header', raw: 'GET /a HTTP/1.1\r\nhost: x\rx-a: 1\r\n\r\n' + NEXT },
  { name: 'bare CR before the final CRLF', raw: 'GET /a HTTP/1.1\r\nhost: x\r\n\r\r\n' + NEXT },
  { name: 'bare LF in chunk lines', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked') + '5\nhello\n0\n\n' + NEXT, stricter: PASSTHROUGH_BODY },
  { name: 'obs-fold on TE', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding:', ' chunked', `content-length: ${hidden.length}`) + hidden, stricter: OBS_FOLD },
  { name: 'obs-fold on Content-Length', raw: head('POST /a HTTP/1.1', 'host: x', 'content-length:', ' 5') + 'hello' + NEXT, stricter: OBS_FOLD },
  { name: 'obs-fold on a normal header', raw: head('GET /a HTTP/1.1', 'host: x', 'x-a: 1', ' 2') + NEXT, stricter: OBS_FOLD },

  // Bytes that do not belong in a head.
  { name: 'NUL in a header value', raw: head('GET /a HTTP/1.1', 'host: x', 'x-a: 1\x002') + NEXT, stricter: CTL },
  { name: 'space inside a header name', raw: head('GET /a HTTP/1.1', 'host: x', 'x a: 1') + NEXT },
  { name: 'vertical tab in a header value', raw: head('GET /a HTTP/1.1', 'host: x', 'x-a: 1\x0b2') + NEXT, stricter: CTL },
  { name: 'form feed in a header value', raw: head('GET /a HTTP/1.1', 'host: x', 'x-a: 1\x0c2') + NEXT, stricter: CTL },
  { name: 'vertical tab before chunked', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: \x0bchunked', `content-length: ${hidden.length}`) + hidden },

  // Chunk framing.
  { name: 'chunk size with an extension', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked') + '5;a=b\r\nhello\r\n0\r\n\r\n' + NEXT },
  { name: 'chunk size with leading spaces', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked') + '  5\r\nhello\r\n0\r\n\r\n' + NEXT },
  { name: 'chunk size with trailing spaces', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked') + '5  \r\nhello\r\n0\r\n\r\n' + NEXT },
  { name: 'chunk size overflow', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked') + '10000000000000005\r\nhello\r\n0\r\n\r\n' + NEXT },
  { name: 'chunk size with 0x', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked') + '0x5\r\nhello\r\n0\r\n\r\n' + NEXT },
  { name: 'chunk longer than its size', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked') + '3\r\nhello\r\n0\r\n\r\n' + NEXT },
  { name: 'last chunk without the final CRLF, then a request', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked') + '0\r\n' + SMUGGLED },
  { name: 'trailer carrying a Content-Length', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked') + '0\r\ncontent-length: 5\r\n\r\n' + NEXT },

  // Split: the head is forwarded first, then the rest comes while the body streams.
  { name: 'split: a bad chunk size after the head went on', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked'), then: 'zz\r\nhello\r\n0\r\n\r\n' + NEXT },
  { name: 'split: a chunk longer than its size after the head went on', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked') + '5\r\nhello\r\n', then: '3\r\nhello\r\n0\r\n\r\n' + NEXT },
  { name: 'split: a request hidden as a trailer after the head went on', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked') + '5\r\nhello\r\n', then: '0\r\n' + SMUGGLED },
  { name: 'split: bare LF in a chunk line after the head went on', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked'), then: '5\nhello\r\n0\r\n\r\n' + NEXT, stricter: PASSTHROUGH_BODY },
  { name: 'split: Content-Length and TE, the hidden request after the head went on', raw: head('POST /a HTTP/1.1', 'host: x', `content-length: ${hidden.length}`, 'transfer-encoding: chunked'), then: hidden },
  { name: 'split: a body over its Content-Length with a request after it', raw: head('POST /a HTTP/1.1', 'host: x', 'content-length: 5'), then: 'hello' + NEXT },

  // Request lines.
  { name: 'two spaces in the request line', raw: head('GET  /a HTTP/1.1', 'host: x') + NEXT },
  { name: 'tab in the request line', raw: head('GET\t/a HTTP/1.1', 'host: x') + NEXT },
  { name: 'request line without a version', raw: 'GET /a\r\n\r\n' },
  { name: 'HTTP/2.0 in the request line', raw: head('GET /a HTTP/2.0', 'host: x') + NEXT, stricter: VERSION },
  { name: 'absolute-form with a different Host', raw: head('GET http://y/a HTTP/1.1', 'host: x') + NEXT },
  { name: 'gzip then chunked in two TE headers', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: gzip', 'transfer-encoding: chunked') + hidden },
  { name: 'TE: identity alone with a Content-Length', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: identity', 'content-length: 5') + 'hello' + NEXT },
  { name: 'empty TE with a Content-Length', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding:', 'content-length: 5') + 'hello' + NEXT },
  { name: 'quoted "chunked"', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: "chunked"', `content-length: ${hidden.length}`) + hidden },
  { name: 'chunked with a parameter', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked;q=1', `content-length: ${hidden.length}`) + hidden },
  { name: 'Transfer_Encoding with an underscore', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer_encoding: chunked', `content-length: ${hidden.length}`) + hidden },
  { name: 'Content-Length with leading zeros', raw: head('POST /a HTTP/1.1', 'host: x', 'content-length: 0000000000000000005') + 'hello' + NEXT },
  { name: 'Content-Length of 16 digits', raw: head('POST /a HTTP/1.1', 'host: x', 'content-length: 1000000000000000') + 'hello' },
  { name: 'mixed Content-Length list and header', raw: head('POST /a HTTP/1.1', 'host: x', 'content-length: 5', 'content-length: 5, 5') + 'hello' + NEXT },
  { name: 'upper-case hex chunk size', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked') + 'A\r\n0123456789\r\n0\r\n\r\n' + NEXT },
  { name: 'chunk shorter than its size', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked') + '8\r\nhello\r\n0\r\n\r\n' + NEXT },
  { name: 'Connection: close then a pipelined request', raw: head('GET /a HTTP/1.1', 'host: x', 'connection: close') + NEXT },
  { name: 'HTTP/1.0 then a pipelined request', raw: head('GET /a HTTP/1.0', 'host: x') + NEXT },
  { name: 'space inside the target', raw: head('GET /a b HTTP/1.1', 'host: x') + NEXT },
  { name: 'DEL in the target', raw: head('GET /a\x7fb HTTP/1.1', 'host: x') + NEXT, stricter: TARGET },
  { name: 'invalid method token', raw: head('G@T /a HTTP/1.1', 'host: x') + NEXT },
  { name: 'Expect: 100-continue with a body', raw: head('POST /a HTTP/1.1', 'host: x', 'expect: 100-continue', 'content-length: 5') + 'hello' + NEXT },
  { name: 'five pipelined GETs', raw: head('GET /1 HTTP/1.1', 'host: x') + head('GET /2 HTTP/1.1', 'host: x') + head('GET /3 HTTP/1.1', 'host: x') + head('GET /4 HTTP/1.1', 'host: x') + NEXT },
  { name: 'HEAD with a body', raw: head('HEAD /a HTTP/1.1', 'host: x', 'content-length: 5') + 'hello' + NEXT },
  { name: 'OPTIONS *', raw: head('OPTIONS * HTTP/1.1', 'host: x') + NEXT },
  { name: 'chunked then an empty TE header', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked', 'transfer-encoding:') + hidden },
  { name: 'an empty TE header, then chunked', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding:', 'transfer-encoding: chunked', `content-length: ${hidden.length}`) + hidden },
  { name: 'gzip, an empty TE header, then chunked', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: gzip', 'transfer-encoding:', 'transfer-encoding: chunked') + hidden },
  { name: 'TE: ,chunked', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: ,chunked') + hidden },
  { name: 'tab before the colon of TE', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding\t: chunked', `content-length: ${hidden.length}`) + hidden },
  { name: 'header line without a colon', raw: head('GET /a HTTP/1.1', 'host: x', 'x-a 1') + NEXT },
  { name: 'empty line before the request line', raw: '\r\n' + head('GET /a HTTP/1.1', 'host: x') + NEXT },
  { name: 'h2c upgrade request', raw: head('GET /a HTTP/1.1', 'host: x', 'connection: Upgrade, HTTP2-Settings', 'upgrade: h2c', 'http2-settings: AAMAAABkAARAAAAAAAIAAAAA') + NEXT },
  { name: 'absolute-form with a port, Host without', raw: head('GET http://x:80/a HTTP/1.1', 'host: x') + NEXT },
  { name: 'absolute-form without a port, Host with the default one', raw: head('GET http://x/a HTTP/1.1', 'host: x:80') + NEXT },
  { name: 'absolute-form with another port than Host', raw: head('GET http://x:8080/a HTTP/1.1', 'host: x') + NEXT },
  { name: 'absolute-form https with port 443', raw: head('GET https://x:443/a HTTP/1.1', 'host: x') + NEXT },
  { name: 'absolute-form with userinfo naming another host', raw: head('GET http://x@y/a HTTP/1.1', 'host: x') + NEXT },
  { name: 'chunked, with a trailing comma', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked,', `content-length: ${hidden.length}`) + hidden },
  { name: 'two empty lines before the request line', raw: '\r\n\n' + head('GET /a HTTP/1.1', 'host: x') + NEXT },
  { name: 'absolute-form with userinfo', raw: head('GET http://y@x/a HTTP/1.1', 'host: x') + NEXT },
  { name: 'absolute-form https with the same Host', raw: head('GET https://x/a HTTP/1.1', 'host: x') + NEXT },
  { name: 'two different Host headers', raw: head('GET /a HTTP/1.1', 'host: x', 'host: y') + NEXT },
  { name: 'two identical Host headers', raw: head('GET /a HTTP/1.1', 'host: x', 'host: x') + NEXT },
  { name: 'Host headers differing in case', raw: head('GET /a HTTP/1.1', 'host: x', 'host: X') + NEXT },
  { name: 'absolute-form with the same Host', raw: head('GET http://x/a HTTP/1.1', 'host: x') + NEXT },
  { name: 'absolute-form with a Host differing in case', raw: head('GET http://X/a HTTP/1.1', 'host: x') + NEXT },
  { name: 'absolute-form without Host', raw: head('GET http://y/a HTTP/1.1', 'x-a: 1') + NEXT },
  { name: 'HTTP/1.1 without Host', raw: head('GET /a HTTP/1.1', 'x-a: 1') + NEXT },
  { name: 'HTTP/2.7 in the request line', raw: head('GET /a HTTP/2.7', 'host: x') + NEXT, stricter: VERSION },
  { name: 'no-break space after chunked', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked\xa0', `content-length: ${hidden.length}`) + hidden },
  { name: 'no-break space after a Content-Length', raw: head('POST /a HTTP/1.1', 'host: x', 'content-length: 5\xa0') + 'hello' + NEXT },
  { name: 'control character 0x01 in a header value', raw: head('GET /a HTTP/1.1', 'host: x', 'x-a: 1\x012') + NEXT, stricter: CTL },
  { name: 'empty header name', raw: head('GET /a HTTP/1.1', 'host: x', ': 1') + NEXT },
  { name: 'trailer line without a colon', raw: head('POST /a HTTP/1.1', 'host: x', 'transfer-encoding: chunked') + '0\r\nbogus\r\n\r\n' + NEXT },
];

// Generated cases: framing headers drawn from a fixed vocabulary in random order, with a
// seeded generator so every run sends the same bytes (a failure names its headers).
const TE_NAMES = ['transfer-encoding', 'Transfer-Encoding', 'TRANSFER-ENCODING', 'transfer-encoding ', 'te'];
const TE_VALUES = ['\tchunked', 'chunked\t', 'chunked, identity', 'trailers', 'chunked', 'CHUNKED', 'chunked, chunked', 'gzip, chunked', 'identity', 'chunked,', ',chunked', '', 'xchunked', 'chunked;a=b', 'chunked ,gzip'];
const CL_VALUES = ['\t5', '5\t', '5,', ',5', '5,,5', '4', '6', '05', '5,5', '5, 6', '+5', '', '0', String(hidden.length), '5 ,5', '18446744073709551615'];
const BODIES = ['hello' + NEXT, '5\r\nhello\r\n0\r\n\r\n' + NEXT, hidden, ''];

/** xorshift32: a small deterministic generator. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

function generated(count: number, seed: number): SmugglingCase[] {
  const rnd = prng(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)]!;
  const out: SmugglingCase[] = [];
  for (let k = 0; k < count; k++) {
    const headers: string[] = [];
    const te = Math.floor(rnd() * 3);
    const cl = Math.floor(rnd() * 3);
    for (let n = 0; n < te; n++) headers.push(`${pick(TE_NAMES)}: ${pick(TE_VALUES)}`);
    for (let n = 0; n < cl; n++) headers.splice(Math.floor(rnd() * (headers.length + 1)), 0, `content-length: ${pick(CL_VALUES)}`);
    const version = rnd() < 0.2 ? 'HTTP/1.0' : 'HTTP/1.1';
    if (rnd() < 0.3) headers.splice(Math.floor(rnd() * (headers.length + 1)), 0, pick(['connection: close', 'connection: keep-alive', 'connection: te', 'expect: 100-continue']));
    const raw = head(`POST /g${k} ${version}`, 'host: x', ...headers) + pick(BODIES);
    out.push({ name: `generated ${k}: ${version} ${JSON.stringify(headers)}`, raw });
  }
  return out;
}

CASES.push(...generated(100, 0x7777));
