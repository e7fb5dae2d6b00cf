// Access-log lines in HAProxy's `option httplog` and `option tcplog` formats.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function p2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

let cachedSecond = -1;
let cachedPrefix = '';

/** `26/Nov/2026:21:00:00.123`, local time like HAProxy's %tr/%t; the date part is built once a second. */
export function accept_date(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec !== cachedSecond) {
    const d = new Date(ms);
    cachedSecond = sec;
    cachedPrefix = `${p2(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.`;
  }
  const msPart = ms - sec * 1000;
  return cachedPrefix + (msPart < 10 ? '00' : msPart < 100 ? '0' : '') + msPart;
}

export interface AccessFacts {
  src: string;
  srcPort: number;
  acceptMs: number;
  frontend: string;
  backend: string;
  server: string;
  /** HAProxy timers; -1 when the phase did not complete. */
  tr: number;
  tw: number;
  tc: number;
  tresp: number;
  ta: number;
  status: number;
  bytes: number;
  /** Two-char termination state, e.g. `--`, `CD`, `sC`. */
  termination: string;
  actconn: number;
  feconn: number;
  beconn: number;
  srvconn: number;
  retries: number;
  srvQueue: number;
  beQueue: number;
  requestLine: string;
}

export function httpLogLine(f: AccessFacts): string {
  return `${f.src}:${f.srcPort} [${accept_date(f.acceptMs)}] ${f.frontend} ${f.backend}/${f.server} ${f.tr}/${f.tw}/${f.tc}/${f.tresp}/${f.ta} ${f.status} ${f.bytes} - - ${f.termination}-- ${f.actconn}/${f.feconn}/${f.beconn}/${f.srvconn}/${f.retries} ${f.srvQueue}/${f.beQueue} "${f.requestLine}"`;
}

export function tcpLogLine(f: AccessFacts): string {
  return `${f.src}:${f.srcPort} [${accept_date(f.acceptMs)}] ${f.frontend} ${f.backend}/${f.server} ${f.tw}/${f.tc}/${f.ta} ${f.bytes} ${f.termination} ${f.actconn}/${f.feconn}/${f.beconn}/${f.srvconn}/${f.retries} ${f.srvQueue}/${f.beQueue}`;
}
