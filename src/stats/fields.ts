// HAProxy 2.6 stat fields in column order: name, type and tags (origin/nature/scope letters as
// the typed output prints them). Positions 0–102 are the base set; from 103 on come the extra
// module counters (ssl, h2, h1), which the CSV prints after a literal `-` column.

export type FieldType = 'u32' | 'u64' | 's32' | 's64' | 'str' | 'flt';
export type ObjType = 'Frontend' | 'Backend' | 'Server' | 'Listener';

export interface StatField {
  name: string;
  type: FieldType;
  /** Three letters: origin, nature, scope (e.g. `MCP` = Metric, Counter, Process). */
  tags: string;
  /** Tags that differ on BACKEND / server rows. */
  backendTags?: string;
  serverTags?: string;
}

function f(name: string, tags: string, type: FieldType, over?: { b?: string; s?: string }): StatField {
  const field: StatField = { name, type, tags };
  if (over?.b) field.backendTags = over.b;
  if (over?.s) field.serverTags = over.s;
  return field;
}

export const STAT_FIELDS: readonly StatField[] = [
  f('pxname', 'KNS', 'str'),
  f('svname', 'KNS', 'str'),
  f('qcur', 'MGP', 'u32'),
  f('qmax', 'MMP', 'u32'),
  f('scur', 'MGP', 'u32'),
  f('smax', 'MMP', 'u32'),
  f('slim', 'CLP', 'u32'),
  f('stot', 'MCP', 'u64'),
  f('bin', 'MCP', 'u64'),
  f('bout', 'MCP', 'u64'),
  f('dreq', 'MCP', 'u64'),
  f('dresp', 'MCP', 'u64'),
  f('ereq', 'MCP', 'u64'),
  f('econ', 'MCP', 'u64'),
  f('eresp', 'MCP', 'u64'),
  f('wretr', 'MCP', 'u64'),
  f('wredis', 'MCP', 'u64'),
  f('status', 'SGP', 'str'),
  f('weight', 'MaP', 'u32'),
  f('act', 'SGP', 'u32', { b: 'MGP' }),
  f('bck', 'SGP', 'u32', { b: 'MGP' }),
  f('chkfail', 'MCP', 'u64'),
  f('chkdown', 'MCP', 'u64'),
  f('lastchg', 'MAP', 'u32'),
  f('downtime', 'MCP', 'u32'),
  f('qlimit', 'CLP', 'u32'),
  f('pid', 'KGP', 'u32'),
  f('iid', 'KGS', 'u32'),
  f('sid', 'KGS', 'u32'),
  f('throttle', 'MaP', 'u32'),
  f('lbtot', 'MCP', 'u64'),
  f('tracked', 'CNS', 'str'),
  f('type', 'CGS', 'u32'),
  f('rate', 'MRP', 'u32', { b: 'MGP' }),
  f('rate_lim', 'CLP', 'u32'),
  f('rate_max', 'MMP', 'u32', { b: 'MGP' }),
  f('check_status', 'MOP', 'str'),
  f('check_code', 'MOP', 'u32'),
  f('check_duration', 'MDP', 'u64'),
  f('hrsp_1xx', 'MCP', 'u64'),
  f('hrsp_2xx', 'MCP', 'u64'),
  f('hrsp_3xx', 'MCP', 'u64'),
  f('hrsp_4xx', 'MCP', 'u64'),
  f('hrsp_5xx', 'MCP', 'u64'),
  f('hrsp_other', 'MCP', 'u64'),
  f('hanafail', 'MCP', 'u64'),
  f('req_rate', 'MRP', 'u32'),
  f('req_rate_max', 'MMP', 'u32'),
  f('req_tot', 'MCP', 'u64'),
  f('cli_abrt', 'MCP', 'u64'),
  f('srv_abrt', 'MCP', 'u64'),
  f('comp_in', 'MCP', 'u64'),
  f('comp_out', 'MCP', 'u64'),
  f('comp_byp', 'MCP', 'u64'),
  f('comp_rsp', 'MCP', 'u64'),
  f('lastsess', 'MAP', 's32'),
  f('last_chk', 'MOP', 'str'),
  f('last_agt', 'MOP', 'str'),
  f('qtime', 'MaP', 'u32'),
  f('ctime', 'MaP', 'u32'),
  f('rtime', 'MaP', 'u32'),
  f('ttime', 'MaP', 'u32'),
  f('agent_status', 'MOP', 'str'),
  f('agent_code', 'MOP', 'u32'),
  f('agent_duration', 'MDP', 'u64'),
  f('check_desc', 'MOP', 'str'),
  f('agent_desc', 'MOP', 'str'),
  f('check_rise', 'CGS', 'u32'),
  f('check_fall', 'CGS', 'u32'),
  f('check_health', 'CGS', 'u32'),
  f('agent_rise', 'CGS', 'u32'),
  f('agent_fall', 'CGS', 'u32'),
  f('agent_health', 'CGS', 'u32'),
  f('addr', 'CGS', 'str'),
  f('cookie', 'CGS', 'str'),
  f('mode', 'CGS', 'str'),
  f('algo', 'CGS', 'str'),
  f('conn_rate', 'MRP', 'u32'),
  f('conn_rate_max', 'MMP', 'u32'),
  f('conn_tot', 'MCP', 'u64'),
  f('intercepted', 'MCP', 'u64'),
  f('dcon', 'MCP', 'u64'),
  f('dses', 'MCP', 'u64'),
  f('wrew', 'MCP', 'u64'),
  f('connect', 'MCP', 'u64'),
  f('reuse', 'MCP', 'u64'),
  f('cache_lookups', 'MCP', 'u64'),
  f('cache_hits', 'MCP', 'u64'),
  f('srv_icur', 'MGP', 'u32'),
  f('src_ilim', 'MGP', 'u32'),
  f('qtime_max', 'MMP', 'u32'),
  f('ctime_max', 'MMP', 'u32'),
  f('rtime_max', 'MMP', 'u32'),
  f('ttime_max', 'MMP', 'u32'),
  f('eint', 'MCP', 'u64'),
  f('idle_conn_cur', 'MGP', 'u32'),
  f('safe_conn_cur', 'MGP', 'u32'),
  f('used_conn_cur', 'MGP', 'u32'),
  f('need_conn_est', 'MGP', 'u32'),
  f('uweight', 'MaP', 'u32'),
  f('agg_server_status', 'MGP', 'u32'),
  f('agg_server_check_status', 'MGP', 'u32'),
  f('agg_check_status', 'MGP', 'u32'),
  // extra modules (ssl, h2, h1)
  f('ssl_sess', 'MCP', 'u64'),
  f('ssl_reused_sess', 'MCP', 'u64'),
  f('ssl_failed_handshake', 'MCP', 'u64'),
  f('h2_headers_rcvd', 'MCP', 'u64'),
  f('h2_data_rcvd', 'MCP', 'u64'),
  f('h2_settings_rcvd', 'MCP', 'u64'),
  f('h2_rst_stream_rcvd', 'MCP', 'u64'),
  f('h2_goaway_rcvd', 'MCP', 'u64'),
  f('h2_detected_conn_protocol_errors', 'MCP', 'u64'),
  f('h2_detected_strm_protocol_errors', 'MCP', 'u64'),
  f('h2_rst_stream_resp', 'MCP', 'u64'),
  f('h2_goaway_resp', 'MCP', 'u64'),
  f('h2_open_connections', 'MGP', 'u64'),
  f('h2_backend_open_streams', 'MGP', 'u64'),
  f('h2_total_connections', 'MCP', 'u64'),
  f('h2_backend_total_streams', 'MCP', 'u64'),
  f('h1_open_connections', 'MGP', 'u64'),
  f('h1_open_streams', 'MGP', 'u64'),
  f('h1_total_connections', 'MCP', 'u64'),
  f('h1_total_streams', 'MCP', 'u64'),
  f('h1_bytes_in', 'MCP', 'u64'),
  f('h1_bytes_out', 'MCP', 'u64'),
  f('h1_spliced_bytes_in', 'MCP', 'u64'),
  f('h1_spliced_bytes_out', 'MCP', 'u64'),
];

/** Number of base fields (0–102); module fields start here. */
export const BASE_FIELDS = 103;

/** Index of a field by name, for building rows by name. */
export const FIELD_INDEX: ReadonlyMap<string, number> = new Map(STAT_FIELDS.map((fd, i) => [fd.name, i]));

export function fieldTags(field: StatField, obj: ObjType): string {
  if (obj === 'Backend' && field.backendTags) return field.backendTags;
  if (obj === 'Server' && field.serverTags) return field.serverTags;
  return field.tags;
}

const ORIGIN: Record<string, string> = { M: 'Metric', S: 'Status', K: 'Key', C: 'Config', P: 'Product' };
const NATURE: Record<string, string> = {
  G: 'Gauge', L: 'Limit', m: 'Min', M: 'Max', R: 'Rate', C: 'Counter', D: 'Duration',
  A: 'Age', T: 'Time', N: 'Name', O: 'Output', a: 'Avg',
};
const SCOPE: Record<string, string> = { P: 'Process', S: 'Service', s: 'System', C: 'Cluster' };

/** The JSON `tags` object for three tag letters. */
export function tagNames(tags: string): { origin: string; nature: string; scope: string } {
  return { origin: ORIGIN[tags[0]!]!, nature: NATURE[tags[1]!]!, scope: SCOPE[tags[2]!]! };
}
