// Server row status and colour. The status text itself comes from core (the same text the
// runtime API and the logs use); the page's row style is derived from it (stats-page.md §7).

import type { Server } from '../core/server.js';
import { effectiveWeight, serverStatusText } from '../core/server-state.js';

/** The server whose health a row shows: a tracker shows its tracked server's. */
export function healthSource(server: Server): Server {
  return server.tracked ?? server;
}

export function serverStatus(server: Server): string {
  const t = server.tracked;
  return t ? serverStatusText(server.state, `${t.proxy.name}/${t.name}`, t.state) : serverStatusText(server.state);
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

/** Weight the balancer gives the server now; 0 when it takes no load-balanced traffic. */
export function serverLbWeight(server: Server, nowMs: number): number {
  return effectiveWeight(server.state, server.config.slowstart, nowMs);
}
