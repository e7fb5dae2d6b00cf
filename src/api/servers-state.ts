// `show servers state [<backend>]`: format version 1, the field-name line, then one line per
// server with HAProxy's numeric states. The same text is what a server-state file holds.

import type { Proxy } from '../core/proxy.js';
import type { Server } from '../core/server.js';
import { checkResultNumber, checkStateMask, checkStatusNumber, lastChangeSeconds } from '../core/server-state.js';

export const SERVERS_STATE_HEADER =
  '1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight ' +
  'srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state ' +
  'srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl ' +
  'srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n';

function serverLine(px: Proxy, s: Server, nowMs: number): string {
  const st = s.state;
  const a = s.address;
  const addr = a.kind === 'inet' ? a.host : a.kind === 'unix' ? a.path : `fd@${a.fd}`;
  const port = a.kind === 'inet' ? a.port : 0;
  const fields: (string | number)[] = [
    px.id, px.name, s.id, s.name, addr, st.op, st.admin, st.weight, st.initialWeight,
    lastChangeSeconds(st, nowMs),
    checkStatusNumber(st.check.status), checkResultNumber(st.check.status), st.check.health,
    checkStateMask(st, 'check'), checkStateMask(st, 'agent'),
    0, 0, s.config.hostname ?? '-', port, '-', 0,
    s.checkPort ?? 0, s.config.checkAddr ?? '-', s.config.agentAddr ?? '-', s.config.agentPort ?? 0,
  ];
  return fields.join(' ') + '\n';
}

export function renderServersState(backends: readonly Proxy[], nowMs: number): string {
  let out = SERVERS_STATE_HEADER;
  for (const px of backends) for (const s of px.servers) out += serverLine(px, s, nowMs);
  return out;
}
