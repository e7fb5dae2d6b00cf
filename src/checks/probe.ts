// One probe over a real socket: TCP connect, HTTP check, or agent check. Each resolves to a
// result with HAProxy's status codes and `last_chk` wording; probes never throw.

import net from 'node:net';
import type { HttpCheckConfig, HttpCheckExpect } from '../config/model.js';
import type { AgentReply, ProbeResult } from '../core/server-state.js';

export interface ProbeTarget {
  host: string;
  port: number;
  /** Connect must finish within this (ms). */
  connectTimeoutMs: number;
  /** The whole probe must finish within this (ms) from its start. */
  timeoutMs: number;
}

export type CheckOutcome = 'pass' | 'fail' | 'cond';

export interface HealthProbeResult {
  outcome: CheckOutcome;
  result: ProbeResult;
}

/** Exchange: connect (alone when `request` is undefined), send unless empty, collect the reply until the peer closes or `done` says enough. */
function exchange(
  t: ProbeTarget,
  request: string | undefined,
  done: (data: string) => boolean,
): Promise<{ kind: 'ok'; data: string; ms: number } | { kind: 'conn-error'; desc: string; ms: number } | { kind: 'timeout'; connected: boolean; data: string; ms: number }> {
  const start = Date.now();
  return new Promise((resolve) => {
    let data = '';
    let connected = false;
    let settled = false;
    const sock = net.connect({ host: t.host, port: t.port });
    const finish = (r: Parameters<typeof resolve>[0]): void => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(totalTimer);
      sock.destroy();
      resolve(r);
    };
    const ms = (): number => Date.now() - start;
    const connectTimer = setTimeout(() => {
      if (!connected) finish({ kind: 'timeout', connected, data, ms: ms() });
    }, t.connectTimeoutMs);
    const totalTimer = setTimeout(() => finish({ kind: 'timeout', connected, data, ms: ms() }), t.timeoutMs);
    sock.setEncoding('latin1');
    sock.on('connect', () => {
      connected = true;
      if (request === undefined) finish({ kind: 'ok', data, ms: ms() });
      else if (request !== '') sock.write(request);
    });
    sock.on('data', (d: string) => {
      data += d;
      if (done(data)) finish({ kind: 'ok', data, ms: ms() });
    });
    sock.on('end', () => finish({ kind: 'ok', data, ms: ms() }));
    sock.on('close', () => finish({ kind: 'ok', data, ms: ms() }));
    sock.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected) finish({ kind: 'conn-error', desc: connErrorText(err), ms: ms() });
      else finish({ kind: 'ok', data, ms: ms() });
    });
  });
}

function connErrorText(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED': return 'Connection refused';
    case 'EHOSTUNREACH': return 'No route to host';
    case 'ENETUNREACH': return 'Network is unreachable';
    case 'ECONNRESET': return 'Connection reset by peer';
    default: return err.message;
  }
}

export async function tcpProbe(t: ProbeTarget): Promise<HealthProbeResult> {
  const r = await exchange(t, undefined, () => true);
  if (r.kind === 'conn-error') return { outcome: 'fail', result: { status: 'L4CON', desc: r.desc, durationMs: r.ms } };
  if (r.kind === 'timeout') return { outcome: 'fail', result: { status: 'L4TOUT', desc: '', durationMs: r.ms } };
  return { outcome: 'pass', result: { status: 'L4OK', desc: '', durationMs: r.ms } };
}

/** The probe request as HAProxy 2.6 writes it: lower-case header names, `connection: close` on 1.1. */
export function httpCheckRequest(chk: HttpCheckConfig): string {
  const lines = [`${chk.method} ${chk.uri} ${chk.version}`];
  for (const [k, v] of chk.headers) lines.push(`${k.toLowerCase()}: ${v}`);
  const has = (name: string): boolean => chk.headers.some(([k]) => k.toLowerCase() === name);
  if (chk.body !== undefined && !has('content-length')) lines.push(`content-length: ${Buffer.byteLength(chk.body, 'latin1')}`);
  if (chk.version.toUpperCase() === 'HTTP/1.1' && !has('connection')) lines.push('connection: close');
  return `${lines.join('\r\n')}\r\n\r\n${chk.body ?? ''}`;
}

/** Status line once the response head arrived, or undefined while incomplete / invalid. */
function parseStatus(data: string): { code: number; reason: string; body: string } | undefined {
  const m = /^HTTP\/\d\.\d (\d{3})(?: ([^\r\n]*))?\r?\n/.exec(data);
  if (!m) return undefined;
  const headEnd = data.indexOf('\r\n\r\n');
  return { code: Number(m[1]), reason: m[2] ?? '', body: headEnd >= 0 ? data.slice(headEnd + 4) : '' };
}

function statusMatches(spec: string, code: number): boolean {
  return spec.split(',').some((part) => {
    const [lo, hi] = part.split('-').map(Number);
    return hi === undefined ? code === lo : code >= lo! && code <= hi;
  });
}

function expectMatches(e: HttpCheckExpect, code: number, body: string): boolean {
  let ok: boolean;
  switch (e.kind) {
    case 'status': ok = statusMatches(e.value, code); break;
    case 'rstatus': ok = new RegExp(e.value).test(String(code)); break;
    case 'string': ok = body.includes(e.value); break;
    case 'rstring': ok = new RegExp(e.value).test(body); break;
  }
  return e.negate ? !ok : ok;
}

export async function httpProbe(t: ProbeTarget, chk: HttpCheckConfig): Promise<HealthProbeResult> {
  // Body expectations need the whole response; status ones only the head.
  const needBody = chk.expect?.kind === 'string' || chk.expect?.kind === 'rstring';
  const r = await exchange(t, httpCheckRequest(chk), (d) => !needBody && /\r?\n/.test(d) && parseStatus(d) !== undefined);
  if (r.kind === 'conn-error') return { outcome: 'fail', result: { status: 'L4CON', desc: r.desc, durationMs: r.ms } };
  if (r.kind === 'timeout') {
    const status = r.connected ? 'L7TOUT' : 'L4TOUT';
    return { outcome: 'fail', result: { status, desc: '', durationMs: r.ms } };
  }
  const st = parseStatus(r.data);
  if (!st) return { outcome: 'fail', result: { status: 'L7RSP', desc: r.data === '' ? 'Empty response' : 'Invalid response', durationMs: r.ms } };
  const base = { code: st.code, desc: st.reason, durationMs: r.ms };
  // A passing (or conditionally passing) check reports no detail: empty last_chk, no `info:` logged.
  const passed: HealthProbeResult = { outcome: 'pass', result: { status: 'L7OK', code: st.code, desc: '', durationMs: r.ms } };
  if (chk.disableOn404 && st.code === 404) return { outcome: 'cond', result: { ...passed.result, status: 'L7OKC' } };
  if (chk.expect) {
    if (expectMatches(chk.expect, st.code, st.body)) return passed;
    if (chk.expect.kind === 'string' || chk.expect.kind === 'rstring') {
      return { outcome: 'fail', result: { status: 'L7RSP', code: st.code, desc: 'HTTP content check did not match', durationMs: r.ms } };
    }
    return { outcome: 'fail', result: { status: 'L7STS', ...base } };
  }
  if (st.code >= 200 && st.code < 400) return passed;
  return { outcome: 'fail', result: { status: 'L7STS', ...base } };
}

/** Parse an agent's text line: words and `N%`, separated by spaces, commas or tabs. */
export function parseAgentReply(text: string): AgentReply | undefined {
  const reply: AgentReply = {};
  let any = false;
  for (const word of text.trim().toLowerCase().split(/[\s,]+/)) {
    if (word === '') continue;
    const pct = /^(\d+)%$/.exec(word);
    const maxconn = /^maxconn:(\d+)$/.exec(word);
    if (pct) reply.weightPct = Number(pct[1]);
    else if (maxconn) reply.maxconn = Number(maxconn[1]);
    else if (word === 'up') reply.health = 'up';
    else if (word === 'down' || word === 'stopped' || word === 'fail') reply.health = 'down';
    else if (word === 'ready' || word === 'drain' || word === 'maint') reply.admin = word;
    else continue;
    any = true;
  }
  return any ? reply : undefined;
}

export async function agentProbe(t: ProbeTarget, send = ''): Promise<{ result: ProbeResult; reply?: AgentReply }> {
  const r = await exchange(t, send, (d) => d.includes('\n'));
  // An unreachable agent changes nothing: the health check owns connectivity.
  if (r.kind === 'conn-error') return { result: { status: 'L4CON', desc: r.desc, durationMs: r.ms } };
  if (r.kind === 'timeout') return { result: { status: r.connected ? 'L7TOUT' : 'L4TOUT', desc: '', durationMs: r.ms } };
  const line = r.data.split('\n')[0]!.trim();
  const reply = parseAgentReply(line);
  if (!reply) return { result: { status: 'L7RSP', desc: line === '' ? 'Empty response' : 'Invalid response', durationMs: r.ms } };
  const desc = `via agent : ${line}`;
  // Up/down replies carry code 0 (shown as agent_code and in the log); others change no health.
  if (!reply.health) return { result: { status: 'CHECKED', desc, durationMs: r.ms }, reply };
  return { result: { status: reply.health === 'down' ? 'L7STS' : 'L7OK', code: 0, desc, durationMs: r.ms }, reply };
}
