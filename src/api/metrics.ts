// Prometheus text format 0.0.4 from a stats snapshot, with the metric names of HAProxy 2.6's
// built-in exporter: haproxy_process_*, haproxy_frontend_*, haproxy_backend_*,
// haproxy_server_* labelled by proxy (and server). Values come from the same rows the CSV
// shows, so the two cannot disagree.

import { DRAIN_MASK, MAINT_MASK, OpState } from '../core/server-state-types.js';
import { fieldDesc } from '../stats/field-desc.js';
import { infoFields } from '../stats/info.js';
import { fieldValue, type Snapshot, type StatRow } from '../stats/snapshot.js';

export type Scope = 'process' | 'frontend' | 'backend' | 'server';

/** [metric suffix, CSV field, scale]: scale 0.001 turns the CSV's milliseconds into seconds. */
type StatMetric = readonly [string, string, number?];

const HTTP_CODES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'];

const FRONTEND: readonly StatMetric[] = [
  ['current_sessions', 'scur'], ['max_sessions', 'smax'], ['limit_sessions', 'slim'],
  ['sessions_total', 'stot'], ['limit_session_rate', 'rate_lim'], ['max_session_rate', 'rate_max'],
  ['connections_rate_max', 'conn_rate_max'], ['connections_total', 'conn_tot'],
  ['bytes_in_total', 'bin'], ['bytes_out_total', 'bout'],
  ['requests_denied_total', 'dreq'], ['responses_denied_total', 'dresp'], ['request_errors_total', 'ereq'],
  ['denied_connections_total', 'dcon'], ['denied_sessions_total', 'dses'],
  ['failed_header_rewriting_total', 'wrew'], ['internal_errors_total', 'eint'],
  ['http_requests_rate_max', 'req_rate_max'], ['http_requests_total', 'req_tot'],
  ['intercepted_requests_total', 'intercepted'],
  ['http_cache_lookups_total', 'cache_lookups'], ['http_cache_hits_total', 'cache_hits'],
  ['http_comp_bytes_in_total', 'comp_in'], ['http_comp_bytes_out_total', 'comp_out'],
  ['http_comp_bytes_bypassed_total', 'comp_byp'], ['http_comp_responses_total', 'comp_rsp'],
];

const BACKEND_AND_SERVER: readonly StatMetric[] = [
  ['current_queue', 'qcur'], ['max_queue', 'qmax'], ['current_sessions', 'scur'], ['max_sessions', 'smax'],
  ['limit_sessions', 'slim'], ['sessions_total', 'stot'], ['max_session_rate', 'rate_max'],
  ['last_session_seconds', 'lastsess'],
  ['queue_time_average_seconds', 'qtime', 0.001], ['connect_time_average_seconds', 'ctime', 0.001],
  ['response_time_average_seconds', 'rtime', 0.001], ['total_time_average_seconds', 'ttime', 0.001],
  ['max_queue_time_seconds', 'qtime_max', 0.001], ['max_connect_time_seconds', 'ctime_max', 0.001],
  ['max_response_time_seconds', 'rtime_max', 0.001], ['max_total_time_seconds', 'ttime_max', 0.001],
  ['connection_attempts_total', 'connect'], ['connection_reuses_total', 'reuse'],
  ['bytes_in_total', 'bin'], ['bytes_out_total', 'bout'],
  ['responses_denied_total', 'dresp'], ['connection_errors_total', 'econ'], ['response_errors_total', 'eresp'],
  ['retry_warnings_total', 'wretr'], ['redispatch_warnings_total', 'wredis'],
  ['failed_header_rewriting_total', 'wrew'], ['internal_errors_total', 'eint'],
  ['client_aborts_total', 'cli_abrt'], ['server_aborts_total', 'srv_abrt'],
  ['weight', 'weight'], ['uweight', 'uweight'],
];

const BACKEND: readonly StatMetric[] = [
  ...BACKEND_AND_SERVER,
  ['requests_denied_total', 'dreq'],
  ['active_servers', 'act'], ['backup_servers', 'bck'], ['check_up_down_total', 'chkdown'],
  ['check_last_change_seconds', 'lastchg'], ['downtime_seconds_total', 'downtime'],
  ['loadbalanced_total', 'lbtot'], ['http_requests_total', 'req_tot'],
  ['http_cache_lookups_total', 'cache_lookups'], ['http_cache_hits_total', 'cache_hits'],
  ['http_comp_bytes_in_total', 'comp_in'], ['http_comp_bytes_out_total', 'comp_out'],
  ['http_comp_bytes_bypassed_total', 'comp_byp'], ['http_comp_responses_total', 'comp_rsp'],
];

const SERVER: readonly StatMetric[] = [
  ...BACKEND_AND_SERVER,
  ['check_failures_total', 'chkfail'], ['check_up_down_total', 'chkdown'],
  ['downtime_seconds_total', 'downtime'], ['check_last_change_seconds', 'lastchg'],
  ['current_throttle', 'throttle'], ['loadbalanced_total', 'lbtot'], ['queue_limit', 'qlimit'],
  ['idle_connections_current', 'srv_icur'], ['idle_connections_limit', 'src_ilim'],
  ['unsafe_idle_connections_current', 'idle_conn_cur'], ['safe_idle_connections_current', 'safe_conn_cur'],
  ['used_connections_current', 'used_conn_cur'], ['need_connections_current', 'need_conn_est'],
];

/** Only for servers with a health check; an empty CSV cell reads 0. */
const SERVER_CHECK: readonly StatMetric[] = [
  ['check_code', 'check_code'], ['check_duration_seconds', 'check_duration', 0.001],
];

const CHECK_STATES = ['HANA', 'SOCKERR', 'L4OK', 'L4TOUT', 'L4CON', 'L6OK', 'L6TOUT', 'L6RSP', 'L7TOUT', 'L7RSP', 'L7OK', 'L7OKC', 'L7STS', 'PROCERR', 'PROCTOUT', 'PROCOK'] as const;

/** `show info` field → haproxy_process_* suffix. */
const PROCESS: Readonly<Record<string, string>> = {
  Nbthread: 'nbthread', Nbproc: 'nbproc', Process_num: 'relative_process_id', Uptime_sec: 'uptime_seconds',
  Start_time_sec: 'start_time_seconds', Memmax_bytes: 'max_memory_bytes', PoolAlloc_bytes: 'pool_allocated_bytes',
  PoolUsed_bytes: 'pool_used_bytes', PoolFailed: 'pool_failures_total', 'Ulimit-n': 'max_fds',
  Maxsock: 'max_sockets', Maxconn: 'max_connections', Hard_maxconn: 'hard_max_connections',
  CurrConns: 'current_connections', CumConns: 'connections_total', CumReq: 'requests_total',
  MaxSslConns: 'max_ssl_connections', CurrSslConns: 'current_ssl_connections', CumSslConns: 'ssl_connections_total',
  Maxpipes: 'max_pipes', PipesUsed: 'pipes_used_total', PipesFree: 'pipes_free_total',
  ConnRate: 'current_connection_rate', ConnRateLimit: 'limit_connection_rate', MaxConnRate: 'max_connection_rate',
  SessRate: 'current_session_rate', SessRateLimit: 'limit_session_rate', MaxSessRate: 'max_session_rate',
  SslRate: 'current_ssl_rate', SslRateLimit: 'limit_ssl_rate', MaxSslRate: 'max_ssl_rate',
  SslFrontendKeyRate: 'current_frontend_ssl_key_rate', SslFrontendMaxKeyRate: 'max_frontend_ssl_key_rate',
  SslFrontendSessionReuse_pct: 'frontend_ssl_reuse', SslBackendKeyRate: 'current_backend_ssl_key_rate',
  SslBackendMaxKeyRate: 'max_backend_ssl_key_rate', SslCacheLookups: 'ssl_cache_lookups_total',
  SslCacheMisses: 'ssl_cache_misses_total', CompressBpsIn: 'http_comp_bytes_in_total',
  CompressBpsOut: 'http_comp_bytes_out_total', CompressBpsRateLim: 'limit_http_comp',
  Tasks: 'current_tasks', Run_queue: 'current_run_queue', Idle_pct: 'idle_time_percent', Stopping: 'stopping',
  Jobs: 'jobs', 'Unstoppable Jobs': 'unstoppable_jobs', Listeners: 'listeners', ActivePeers: 'active_peers',
  ConnectedPeers: 'connected_peers', DroppedLogs: 'dropped_logs_total', BusyPolling: 'busy_polling_enabled',
  FailedResolutions: 'failed_resolutions', TotalBytesOut: 'bytes_out_total',
  TotalSplicdedBytesOut: 'spliced_bytes_out_total', BytesOutRate: 'bytes_out_rate', CumRecvLogs: 'recv_logs_total',
};

const SERVER_STATES = ['DOWN', 'UP', 'MAINT', 'DRAIN', 'NOLB'] as const;

function labelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function kindOf(name: string): 'counter' | 'gauge' {
  return name.endsWith('_total') || name === 'haproxy_process_failed_resolutions' ? 'counter' : 'gauge';
}

class Out {
  text = '';
  family(name: string, help: string, samples: readonly string[]): void {
    if (samples.length === 0) return;
    this.text += `# HELP ${name} ${help}\n# TYPE ${name} ${kindOf(name)}\n${samples.join('')}`;
  }
}

function labels(row: StatRow, extra = ''): string {
  let l = `proxy="${labelValue(row.pxname)}"`;
  if (row.type === 2) l += `,server="${labelValue(row.svname)}"`;
  return `{${l}${extra}}`;
}

function numeric(v: unknown, scale = 1): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n * scale : undefined;
}

/** A field with no value (no limit set, no check) is exported as NaN, as HAProxy does. */
function statFamilies(out: Out, prefix: string, rows: readonly StatRow[], table: readonly StatMetric[], empty = NaN): void {
  for (const [suffix, field, scale] of table) {
    const samples: string[] = [];
    for (const row of rows) {
      const n = numeric(fieldValue(row, field), scale) ?? empty;
      samples.push(`${prefix}_${suffix}${labels(row)} ${n}\n`);
    }
    out.family(`${prefix}_${suffix}`, fieldDesc(field), samples);
  }
}

function httpFamily(out: Out, prefix: string, rows: readonly StatRow[]): void {
  const codes: string[] = [];
  for (const row of rows) {
    for (const code of HTTP_CODES) {
      const n = numeric(fieldValue(row, `hrsp_${code}`));
      if (n !== undefined) codes.push(`${prefix}_http_responses_total${labels(row, `,code="${code}"`)} ${n}\n`);
    }
  }
  out.family(`${prefix}_http_responses_total`, 'Total number of HTTP responses, by status class.', codes);
}

/** The check status code of a server row, without the `* ` of a check in progress. */
function checkState(row: StatRow): string {
  return String(fieldValue(row, 'check_status') ?? '').replace(/^\* /, '');
}

function serverState(row: StatRow): (typeof SERVER_STATES)[number] {
  const d = row.server!;
  if (d.admin & MAINT_MASK) return 'MAINT';
  if (d.admin & DRAIN_MASK) return 'DRAIN';
  if (d.op === OpState.STOPPED) return 'DOWN';
  return d.op === OpState.STOPPING ? 'NOLB' : 'UP';
}

function statusFamily(out: Out, prefix: string, rows: readonly StatRow[], states: readonly string[], current: (r: StatRow) => string): void {
  const samples: string[] = [];
  for (const row of rows) {
    const now = current(row);
    for (const st of states) samples.push(`${prefix}_status${labels(row, `,state="${st}"`)} ${st === now ? 1 : 0}\n`);
  }
  out.family(`${prefix}_status`, 'Current status of the service, one series per state, 1 for the current one.', samples);
}

/** Per backend, how many of its servers are in each state. */
function aggregate(out: Out, name: string, help: string, backends: readonly StatRow[], servers: readonly StatRow[], states: readonly string[], stateOf: (r: StatRow) => string | undefined): void {
  const samples: string[] = [];
  for (const be of backends) {
    const mine = servers.filter((s) => s.pxname === be.pxname && s.iid === be.iid);
    if (mine.length === 0) continue;
    for (const st of states) samples.push(`${name}${labels(be, `,state="${st}"`)} ${mine.filter((s) => stateOf(s) === st).length}\n`);
  }
  out.family(name, help, samples);
}

export function renderMetrics(snap: Snapshot, scopes: ReadonlySet<Scope>, listeners: number): string {
  const out = new Out();
  if (scopes.has('process')) {
    const info = infoFields(snap, listeners);
    for (const f of info) {
      const suffix = PROCESS[f.name];
      const n = suffix === undefined ? undefined : numeric(f.value);
      if (n !== undefined) out.family(`haproxy_process_${suffix}`, `show info ${f.name}.`, [`haproxy_process_${suffix} ${n}\n`]);
    }
    const version = info.find((f) => f.name === 'Version')!.value;
    out.family('haproxy_process_build_info', 'Build information.', [`haproxy_process_build_info{version="${labelValue(String(version))}"} 1\n`]);
    // No HTTP compression here, so no compression memory to report.
    out.family('haproxy_process_current_zlib_memory', 'Memory used by HTTP compression (bytes).', ['haproxy_process_current_zlib_memory NaN\n']);
    out.family('haproxy_process_max_zlib_memory', 'Memory limit of HTTP compression (bytes).', ['haproxy_process_max_zlib_memory NaN\n']);
  }
  const rows = snap.proxies.flatMap((p) => p.rows);
  if (scopes.has('frontend')) {
    const fe = rows.filter((r) => r.type === 0);
    statusFamily(out, 'haproxy_frontend', fe, ['DOWN', 'UP'], (r) => (fieldValue(r, 'status') === 'STOP' ? 'DOWN' : 'UP'));
    statFamilies(out, 'haproxy_frontend', fe, FRONTEND);
    httpFamily(out, 'haproxy_frontend', fe);
  }
  const servers = rows.filter((r) => r.type === 2);
  const checked = servers.filter((r) => r.server!.checkConfigured);
  if (scopes.has('backend')) {
    const be = rows.filter((r) => r.type === 1);
    statusFamily(out, 'haproxy_backend', be, ['DOWN', 'UP'], (r) => (String(fieldValue(r, 'status')).startsWith('UP') ? 'UP' : 'DOWN'));
    statFamilies(out, 'haproxy_backend', be, BACKEND);
    httpFamily(out, 'haproxy_backend', be);
    aggregate(out, 'haproxy_backend_agg_server_status', 'Number of servers of the backend in each state.', be, servers, SERVER_STATES, serverState);
    aggregate(out, 'haproxy_backend_agg_server_check_status', 'Number of servers of the backend in each state (older name).', be, servers, SERVER_STATES, serverState);
    aggregate(out, 'haproxy_backend_agg_check_status', 'Number of checked servers of the backend per last check result.', be, checked, CHECK_STATES, checkState);
  }
  if (scopes.has('server')) {
    statusFamily(out, 'haproxy_server', servers, SERVER_STATES, serverState);
    statFamilies(out, 'haproxy_server', servers, SERVER);
    statFamilies(out, 'haproxy_server', checked, SERVER_CHECK, 0);
    httpFamily(out, 'haproxy_server', servers);
    const samples: string[] = [];
    for (const row of checked) {
      const now = checkState(row);
      for (const st of CHECK_STATES) samples.push(`haproxy_server_check_status${labels(row, `,state="${st}"`)} ${st === now ? 1 : 0}\n`);
    }
    out.family('haproxy_server_check_status', 'Last health check result, one series per check status, 1 for the current one.', samples);
  }
  return out.text;
}
