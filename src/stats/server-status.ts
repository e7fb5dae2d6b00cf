// The status text of a server row and the row style derived from it, per the 2.6 rules
// (server-states.md §3, stats-page.md §7). Pure: reads a ServerState, returns strings.

import type { Server } from '../core/server.js';
import { AdminFlag, DRAIN_MASK, MAINT_MASK, OpState, type CheckState } from '../core/server-state-types.js';

/** The server whose health this one shows: a tracker shows its tracked server's. */
export function healthSource(server: Server): Server {
  const t = server.config.track;
  if (!t) return server;
  const px = server.proxy;
  const ref = t.backend === px.name ? px.serversByName.get(t.server) : undefined;
  return ref ?? server;
}

function full(c: CheckState): number {
  return c.rise + c.fall - 1;
}

export function checkActive(c: CheckState): boolean {
  return c.configured && c.enabled;
}

export function serverStatusText(server: Server): string {
  const st = server.state;
  if (st.admin & AdminFlag.RMAINT) return 'MAINT (resolution)';
  if (st.admin & AdminFlag.IMAINT) {
    const t = server.config.track;
    return t ? `MAINT (via ${t.backend}/${t.server})` : 'MAINT';
  }
  if (st.admin & MAINT_MASK) return 'MAINT';
  const src = healthSource(server).state;
  const chk = src.check;
  const agent = st.agent;
  if (st.op === OpState.RUNNING || st.op === OpState.STARTING) {
    const goingDown = checkActive(chk) && chk.health < full(chk);
    const base = goingDown ? `UP ${chk.health - chk.rise + 1}/${chk.fall}` : 'UP';
    if (st.admin & DRAIN_MASK) {
      if (checkActive(agent)) return 'DRAIN (agent)';
      return goingDown ? `DRAIN ${chk.health - chk.rise + 1}/${chk.fall}` : 'DRAIN';
    }
    if (base === 'UP' && !checkActive(chk) && !server.config.track) return 'no check';
    return base;
  }
  if (st.op === OpState.STOPPING) {
    if ((!checkActive(chk) && !server.config.track) || chk.health >= full(chk)) return 'NOLB';
    return `NOLB ${chk.health - chk.rise + 1}/${chk.fall}`;
  }
  if (checkActive(agent) && agent.health === 0) return 'DOWN (agent)';
  if (checkActive(chk) && chk.health > 0) return `DOWN ${chk.health}/${chk.rise}`;
  return 'DOWN';
}

/** Row style for the HTML page: `maintain` or `<active|backup>_<style>`. */
export function serverRowClass(server: Server, status: string): string {
  if (status.startsWith('MAINT')) return 'maintain';
  const kind = server.config.backup ? 'backup' : 'active';
  let style: string;
  if (status === 'DOWN' || status === 'DOWN (agent)') style = 'down';
  else if (status.startsWith('DOWN ')) style = 'going_up';
  else if (status === 'DRAIN') style = 'draining';
  else if (status.startsWith('NOLB ')) style = 'going_down';
  else if (status === 'NOLB') style = 'nolb';
  else if (status === 'no check') style = server.state.weight > 0 ? 'no_check' : 'draining';
  else if (status === 'UP') style = server.state.weight > 0 ? 'up' : 'draining';
  else style = 'going_down';
  return `${kind}_${style}`;
}

/** Usable for load balancing right now (HAProxy's srv_currently_usable). */
export function serverUsable(server: Server): boolean {
  const st = server.state;
  if (st.admin & (MAINT_MASK | DRAIN_MASK)) return false;
  if (st.op === OpState.STOPPED || st.op === OpState.STOPPING) return false;
  return st.weight > 0;
}
