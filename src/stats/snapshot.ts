// One read of every counter and state into plain rows, in HAProxy's object order: per proxy
// (config order) its FRONTEND row, its servers, its BACKEND row. Every renderer (CSV, JSON,
// typed, HTML, runtime API) works from this, so they can never disagree.

import type { Counters } from '../core/counters.js';
import type { Proxy } from '../core/proxy.js';
import type { Runtime } from '../core/runtime.js';
import type { Server } from '../core/server.js';
import { OpState, type CheckState, type CheckStatusCode } from '../core/server-state-types.js';
import { checkActive, checkStatusText, downtimeMs, isMaint, lastChangeSeconds, throttlePct } from '../core/server-state.js';
import type { Address } from '../config/model.js';
import { FIELD_INDEX, STAT_FIELDS, type ObjType } from './fields.js';
import { healthSource, serverLbWeight, serverRowClass, serverStatus } from './server-status.js';

export type StatValue = number | string | undefined;

export interface StatRow {
  objType: ObjType;
  /** 0 frontend, 1 backend, 2 server, 3 listener (CSV `type`). */
  type: 0 | 1 | 2 | 3;
  pxname: string;
  svname: string;
  iid: number;
  sid: number;
  /** One value per STAT_FIELDS entry; undefined = empty field. */
  values: StatValue[];
  /** HTML row class (server rows: colour by state). */
  rowClass: string;
  /** Server rows: fields only the page uses. */
  server?: ServerDetail;
}

export interface ServerDetail {
  backup: boolean;
  /** Health counter and thresholds (of the tracked server for trackers). */
  health: number;
  rise: number;
  fall: number;
  checkConfigured: boolean;
  checkEnabled: boolean;
  agentEnabled: boolean;
  tracked?: string;
  addr: string;
  /** ms since the last state change. */
  lastChangeMs: number;
  op: OpState;
  admin: number;
}

export interface ProxySnapshot {
  name: string;
  iid: number;
  mode: string;
  cap: string;
  description?: string;
  algo?: string;
  isFrontend: boolean;
  isBackend: boolean;
  rows: StatRow[];
}

export interface ProcessSnapshot {
  pid: number;
  uptimeSec: number;
  startMs: number;
  nowMs: number;
  node: string;
  description?: string;
  maxconn: number;
  currConns: number;
  maxConnReached: number;
  cumConns: number;
  cumReq: number;
  connRate: number;
  connRateMax: number;
  sessRate: number;
  sessRateMax: number;
  nbthread: number;
  bytesOut: number;
}

export interface Snapshot {
  nowMs: number;
  process: ProcessSnapshot;
  proxies: ProxySnapshot[];
}

const PASSED = new Set<CheckStatusCode>(['L4OK', 'L6OK', 'L7OK']);

/** Check codes whose result carries an HTTP status in check_code. */
const L7_WITH_CODE = new Set<CheckStatusCode>(['L7OK', 'L7OKC', 'L7STS']);

export function formatAddress(a: Address): string {
  if (a.kind === 'unix') return `unix@${a.path}`;
  if (a.kind === 'fd') return `fd@${a.fd}`;
  return a.family === 6 ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

const secs = (ms: number): number => Math.max(0, Math.floor(ms / 1000));

class RowBuilder {
  readonly values: StatValue[] = new Array<StatValue>(STAT_FIELDS.length).fill(undefined);
  set(name: string, v: StatValue): this {
    const i = FIELD_INDEX.get(name);
    if (i === undefined) throw new Error(`unknown stat field ${name}`);
    this.values[i] = v;
    return this;
  }
  setAll(names: readonly string[], v: StatValue): this {
    for (const n of names) this.set(n, v);
    return this;
  }
}

const SSL = ['ssl_sess', 'ssl_reused_sess', 'ssl_failed_handshake'];
const H2 = [
  'h2_headers_rcvd', 'h2_data_rcvd', 'h2_settings_rcvd', 'h2_rst_stream_rcvd', 'h2_goaway_rcvd',
  'h2_detected_conn_protocol_errors', 'h2_detected_strm_protocol_errors', 'h2_rst_stream_resp',
  'h2_goaway_resp', 'h2_open_connections', 'h2_backend_open_streams', 'h2_total_connections',
  'h2_backend_total_streams',
];

function common(b: RowBuilder, px: Proxy, svname: string, sid: number, type: number, c: Counters, nowMs: number): void {
  b.set('pxname', px.name).set('svname', svname).set('pid', 1).set('iid', px.id).set('sid', sid).set('type', type);
  b.set('scur', c.scur).set('smax', c.smax).set('stot', c.stot).set('bin', c.bin).set('bout', c.bout);
  b.set('rate', c.sessRate.read(nowMs)).set('rate_max', c.sessRate.max);
  // HTTP-only counters stay empty on tcp proxies (FRONTEND keeps its request counters at 0)
  if (px.config.mode === 'http') {
    b.set('hrsp_1xx', c.hrsp1xx).set('hrsp_2xx', c.hrsp2xx).set('hrsp_3xx', c.hrsp3xx);
    b.set('hrsp_4xx', c.hrsp4xx).set('hrsp_5xx', c.hrsp5xx).set('hrsp_other', c.hrspOther);
    b.set('req_tot', c.reqTot);
  } else if (type === 0) b.set('req_tot', 0);
  b.set('mode', px.config.mode).set('wrew', 0).set('eint', 0);
  b.setAll(SSL, 0);
}

/** Module counters of the h1/h2 muxes on FRONTEND and BACKEND rows. */
function muxFields(b: RowBuilder, c: Counters, conns: number): void {
  b.setAll(H2, 0);
  b.set('h1_open_connections', c.scur).set('h1_open_streams', c.scur);
  b.set('h1_total_connections', conns).set('h1_total_streams', c.reqTot);
  b.set('h1_bytes_in', c.bin).set('h1_bytes_out', c.bout);
  b.set('h1_spliced_bytes_in', 0).set('h1_spliced_bytes_out', 0);
}

function timeFields(b: RowBuilder, c: Counters): void {
  b.set('qtime', Math.round(c.qtime)).set('ctime', Math.round(c.ctime));
  b.set('rtime', Math.round(c.rtime)).set('ttime', Math.round(c.ttime));
  b.set('qtime_max', c.qtimeMax).set('ctime_max', c.ctimeMax);
  b.set('rtime_max', c.rtimeMax).set('ttime_max', c.ttimeMax);
}

function lastSess(c: Counters, nowMs: number): number {
  return c.lastSess === 0 ? -1 : secs(nowMs - c.lastSess);
}

function frontendRow(px: Proxy, nowMs: number): StatRow {
  const c = px.feCounters;
  const b = new RowBuilder();
  common(b, px, 'FRONTEND', 0, 0, c, nowMs);
  b.set('slim', px.maxconn).set('dreq', c.dreq).set('dresp', c.dresp).set('ereq', c.ereq);
  b.set('status', px.frontendStatus).set('rate_lim', 0);
  b.set('req_rate', c.reqRate.read(nowMs)).set('req_rate_max', c.reqRate.max);
  b.setAll(['comp_in', 'comp_out', 'comp_byp', 'comp_rsp'], 0);
  b.set('conn_rate', c.connRate.read(nowMs)).set('conn_rate_max', c.connRate.max).set('conn_tot', c.connTot);
  b.set('dcon', 0).set('dses', 0);
  if (px.config.mode === 'http') b.set('intercepted', c.intercepted).set('cache_lookups', 0).set('cache_hits', 0);
  muxFields(b, c, c.connTot);
  return { objType: 'Frontend', type: 0, pxname: px.name, svname: 'FRONTEND', iid: px.id, sid: 0, values: b.values, rowClass: 'frontend' };
}

function checkFields(b: RowBuilder, prefix: 'check' | 'agent', c: CheckState, showResult: boolean): void {
  if (!showResult) return;
  b.set(`${prefix}_status`, c.running ? `* ${c.status}` : c.status);
  if (L7_WITH_CODE.has(c.status) && c.code !== undefined) b.set(`${prefix}_code`, c.code);
  else if (prefix === 'agent') b.set('agent_code', 0);
  b.set(`${prefix}_duration`, c.durationMs ?? 0);
  b.set(`${prefix}_desc`, checkStatusText(c.status));
  b.set(`${prefix}_rise`, c.rise).set(`${prefix}_fall`, c.fall).set(`${prefix}_health`, c.health);
}

function serverRow(px: Proxy, s: Server, nowMs: number): StatRow {
  const c = s.counters;
  const st = s.state;
  const b = new RowBuilder();
  common(b, px, s.name, s.id, 2, c, nowMs);
  const status = serverStatus(s);
  const chk = healthSource(s).state.check;
  const tracking = s.tracked !== undefined || s.config.track !== undefined;
  const inMaint = isMaint(st);
  const checksOn = !tracking && checkActive(st.check);
  b.set('qcur', c.qcur).set('qmax', c.qmax).set('slim', s.maxconn > 0 ? s.maxconn : undefined);
  b.set('dresp', c.dresp).set('econ', c.econ).set('eresp', c.eresp).set('wretr', c.wretr).set('wredis', c.wredis);
  // the operator's weight; during a slowstart ramp the one actually applied
  const ramping = throttlePct(st, s.config.slowstart, nowMs) !== undefined;
  b.set('status', status).set('weight', ramping ? serverLbWeight(s, nowMs) : st.weight);
  b.set('act', s.config.backup ? 0 : 1).set('bck', s.config.backup ? 1 : 0);
  if (checksOn) b.set('chkfail', st.chkfail).set('chkdown', st.chkdown).set('downtime', secs(downtimeMs(st, nowMs)));
  b.set('lastchg', lastChangeSeconds(st, nowMs));
  b.set('qlimit', s.maxqueue > 0 ? s.maxqueue : undefined);
  b.set('throttle', throttlePct(st, s.config.slowstart, nowMs));
  b.set('lbtot', c.lbtot);
  const trackedName = s.tracked ? `${s.tracked.proxy.name}/${s.tracked.name}` : s.config.track ? `${s.config.track.backend}/${s.config.track.server}` : undefined;
  b.set('tracked', trackedName);
  checkFields(b, 'check', chk, checksOn && !inMaint);
  // an empty string (not absent): typed outputs list last_chk whenever checks report
  if (checksOn && !inMaint) b.set('last_chk', PASSED.has(chk.status) ? '' : chk.desc);
  if (checkActive(st.agent)) {
    checkFields(b, 'agent', st.agent, !inMaint);
    if (st.agent.desc) b.set('last_agt', st.agent.desc);
  }
  b.set('cli_abrt', c.cliAbrt).set('srv_abrt', c.srvAbrt).set('lastsess', lastSess(c, nowMs));
  timeFields(b, c);
  b.set('addr', formatAddress(s.address)).set('cookie', s.config.cookie);
  b.set('connect', c.connect).set('reuse', c.reuse).set('srv_icur', 0);
  b.set('idle_conn_cur', 0).set('safe_conn_cur', 0).set('used_conn_cur', c.scur).set('need_conn_est', 0);
  b.set('uweight', st.weight);
  const detail: ServerDetail = {
    backup: s.config.backup,
    health: chk.health,
    rise: chk.rise,
    fall: chk.fall,
    checkConfigured: chk.configured,
    checkEnabled: checkActive(chk),
    agentEnabled: checkActive(st.agent),
    addr: formatAddress(s.address),
    lastChangeMs: nowMs - st.lastChangeMs,
    op: st.op,
    admin: st.admin,
  };
  if (trackedName !== undefined) detail.tracked = trackedName;
  return {
    objType: 'Server', type: 2, pxname: px.name, svname: s.name, iid: px.id, sid: s.id,
    values: b.values, rowClass: serverRowClass(s, status), server: detail,
  };
}

function backendRow(px: Proxy, nowMs: number): StatRow {
  const c = px.beCounters;
  const b = new RowBuilder();
  common(b, px, 'BACKEND', 0, 1, c, nowMs);
  let wact = 0, wbck = 0, uact = 0, ubck = 0, act = 0, bck = 0;
  for (const s of px.servers) {
    const w = serverLbWeight(s, nowMs);
    if (w <= 0) continue;
    if (s.config.backup) {
      bck++;
      wbck += w;
      ubck += s.state.weight;
    } else {
      act++;
      wact += w;
      uact += s.state.weight;
    }
  }
  const weight = act > 0 ? wact : wbck;
  const up = weight > 0 || px.servers.length === 0;
  b.set('qcur', c.qcur).set('qmax', c.qmax).set('slim', px.config.fullconn);
  b.set('dreq', c.dreq).set('dresp', c.dresp).set('econ', c.econ).set('eresp', c.eresp);
  b.set('wretr', c.wretr).set('wredis', c.wredis);
  b.set('status', up ? 'UP' : 'DOWN').set('weight', weight).set('act', act).set('bck', bck);
  b.set('chkdown', px.chkdown).set('lastchg', secs(nowMs - px.lastChangeMs));
  if (px.servers.length > 0) {
    const downNow = px.downSinceMs !== undefined ? nowMs - px.downSinceMs : 0;
    b.set('downtime', secs(px.downtimeMs + downNow));
  }
  b.set('lbtot', c.lbtot).set('cli_abrt', c.cliAbrt).set('srv_abrt', c.srvAbrt);
  b.setAll(['comp_in', 'comp_out', 'comp_byp', 'comp_rsp'], 0);
  b.set('lastsess', lastSess(c, nowMs));
  timeFields(b, c);
  b.set('cookie', px.config.cookie?.name).set('algo', px.config.balance.algorithm);
  b.set('connect', c.connect).set('reuse', c.reuse);
  if (px.config.mode === 'http') b.set('cache_lookups', 0).set('cache_hits', 0);
  b.set('uweight', act > 0 ? uact : ubck);
  b.setAll(['agg_server_status', 'agg_server_check_status', 'agg_check_status'], 0);
  muxFields(b, c, c.connect);
  return { objType: 'Backend', type: 1, pxname: px.name, svname: 'BACKEND', iid: px.id, sid: 0, values: b.values, rowClass: 'backend' };
}

function capability(px: Proxy): string {
  if (px.config.isFrontend && px.config.isBackend) return 'proxy';
  return px.config.isFrontend ? 'frontend' : 'backend';
}

export function snapshotProxy(px: Proxy, nowMs: number): ProxySnapshot {
  const rows: StatRow[] = [];
  if (px.config.isFrontend) rows.push(frontendRow(px, nowMs));
  if (px.config.isBackend) {
    for (const s of px.servers) rows.push(serverRow(px, s, nowMs));
    rows.push(backendRow(px, nowMs));
  }
  const snap: ProxySnapshot = {
    name: px.name, iid: px.id, mode: px.config.mode, cap: capability(px),
    isFrontend: px.config.isFrontend, isBackend: px.config.isBackend, rows,
  };
  if (px.config.description !== undefined) snap.description = px.config.description;
  if (px.config.isBackend) snap.algo = px.config.balance.algorithm;
  return snap;
}

export function buildSnapshot(runtime: Runtime, nowMs: number): Snapshot {
  const proxies = runtime.proxies.map((px) => snapshotProxy(px, nowMs));
  let connRate = 0, connRateMax = 0, sessRate = 0, sessRateMax = 0, bytesOut = 0;
  for (const px of runtime.proxies) {
    if (!px.config.isFrontend) continue;
    const c = px.feCounters;
    connRate += c.connRate.read(nowMs);
    connRateMax = Math.max(connRateMax, c.connRate.max);
    sessRate += c.sessRate.read(nowMs);
    sessRateMax = Math.max(sessRateMax, c.sessRate.max);
    bytesOut += c.bout;
  }
  const g = runtime.config.global;
  const process: ProcessSnapshot = {
    pid: globalThis.process.pid,
    uptimeSec: secs(nowMs - runtime.startMs),
    startMs: runtime.startMs,
    nowMs,
    node: g.node,
    maxconn: runtime.maxconn,
    currConns: runtime.process.currConns,
    maxConnReached: runtime.process.maxConnReached,
    cumConns: runtime.process.cumConns,
    cumReq: runtime.process.cumReq,
    connRate, connRateMax, sessRate, sessRateMax,
    nbthread: g.nbthread ?? 1,
    bytesOut,
  };
  if (g.description !== undefined) process.description = g.description;
  return { nowMs, process, proxies };
}

/** All rows in output order. */
export function snapshotRows(snap: Snapshot): StatRow[] {
  return snap.proxies.flatMap((p) => p.rows);
}

export function fieldValue(row: StatRow, name: string): StatValue {
  return row.values[FIELD_INDEX.get(name)!];
}
