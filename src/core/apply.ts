// Applies a state-machine event to a live server: stores the new state, then carries out the
// effects (log lines in HAProxy's wording, session kills, balancer and backend updates) and
// passes the change on to tracking servers. Checks and control/commands call this.

import type { LogLevel, Logger } from '../log/logger.js';
import type { Proxy } from './proxy.js';
import { dispatchQueues, queued } from './queue.js';
import type { Server } from './server.js';
import {
  TRACKED_REASON, effectiveWeight, transition,
  type ServerEvent, type StateChange, type Transition,
} from './server-state.js';

/** Servers taking load-balanced traffic now, split as HAProxy's log lines count them. */
function onlineCounts(proxy: Proxy, nowMs: number): { act: number; bck: number } {
  let act = 0;
  let bck = 0;
  for (const s of proxy.servers) {
    if (effectiveWeight(s.state, s.config.slowstart, nowMs) <= 0) continue;
    if (s.config.backup) bck++;
    else act++;
  }
  return { act, bck };
}

export function changeMessage(server: Server, change: StateChange, nowMs = Date.now()): string {
  const who = `${server.config.backup ? 'Backup Server' : 'Server'} ${server.proxy.name}/${server.name}`;
  const { act, bck } = onlineCounts(server.proxy, nowMs);
  const left = `${act} active and ${bck} backup servers left. ${server.sessions.size} sessions active, 0 requeued, ${queued(server)} remaining in queue.`;
  const online = `${act} active and ${bck} backup servers online. 0 sessions requeued, ${queued(server.proxy)} total in queue.`;
  // A tracker's change is worded `is DOWN via bk/srv.` rather than with a reason.
  // With `option log-health-checks` the probe details went on the check's own line already.
  const probeLogged = server.proxy.config.options.logHealthChecks;
  const via = server.tracked ? ` via ${server.tracked.proxy.name}/${server.tracked.name}` : '';
  const why = (reason: string): string => {
    if (reason === TRACKED_REASON && server.tracked) return via;
    if (probeLogged && reason.startsWith('reason: ')) return '';
    return `, ${reason}`;
  };
  switch (change.kind) {
    case 'down': return `${who} is DOWN${why(change.reason)}. ${left}`;
    case 'up': return `${who} is UP${why(change.reason)}. ${online}`;
    case 'stopping': return `${who} is stopping${why(change.reason)}. ${online}`;
    case 'drain': return `${who} enters drain state${change.via ? via : ''}. ${change.up ? online : left}`;
    case 'leave-drain': return `${who} is ${change.up ? 'UP' : 'DOWN'} (leaving forced drain).`;
    case 'maint':
      if (change.wasDown) return `${who} was DOWN and now enters maintenance${change.via ? via : ''}.`;
      return `${who} is going DOWN for maintenance${change.via ? via : ''}. ${left}`;
    case 'remains-drain': return `${who} remains in forced drain mode.`;
    case 'leave-maint':
      return `${who} is ${change.up ? 'UP' : 'DOWN'}/${change.drain ? 'DRAIN' : 'READY'} (leaving ${change.via ? '' : 'forced '}maintenance).`;
  }
}

/** Syslog severity HAProxy gives each change (stderr always says WARNING). */
function syslogLevel(change: StateChange): LogLevel {
  return change.kind === 'down' || (change.kind === 'maint' && !change.wasDown) ? 'alert' : 'notice';
}

/** Backend-level UP/DOWN history (BACKEND row lastchg, chkdown, downtime). */
export function updateBackendState(proxy: Proxy, nowMs: number, log?: Logger): void {
  if (proxy.servers.length === 0) return;
  const up = proxy.servers.some((s) => effectiveWeight(s.state, s.config.slowstart, nowMs) > 0);
  const wasUp = proxy.downSinceMs === undefined;
  if (up === wasUp) return;
  proxy.lastChangeMs = nowMs;
  if (up) {
    proxy.downtimeMs += nowMs - (proxy.downSinceMs ?? nowMs);
    proxy.downSinceMs = undefined;
  } else {
    proxy.downSinceMs = nowMs;
    proxy.chkdown++;
    log?.event('alert', `backend '${proxy.name}' has no server available!`,
      { proxy: proxy.name, level: 'emerg', message: `backend ${proxy.name} has no server available!` });
  }
}

/**
 * Apply one event, then let tracking servers follow. Each server's lines are written right
 * after its own change (trackers still show their old state in the counts, as in HAProxy).
 * `preface` runs once the state is applied, before its lines (check result lines go first).
 */
export function applyServerEvent(server: Server, event: ServerEvent, nowMs: number, log?: Logger, preface?: () => void): Transition {
  const ctx = {
    slowstartMs: server.config.slowstart,
    onMarkedDownShutdownSessions: server.config.onMarkedDownShutdownSessions,
  };
  const t = transition(server.state, event, nowMs, ctx);
  const changed = t.state !== server.state;
  server.state = t.state;
  let rebalance = false;
  for (const fx of t.effects) {
    if (fx.kind === 'balancer') rebalance = true;
    else if (fx.kind === 'kill-sessions') killSessions(server, 'server marked down');
    else if (fx.kind === 'wake-checks') server.wakeChecks?.();
    else if (fx.change.kind === 'up' && !server.config.backup && server.config.onMarkedUpShutdownBackupSessions) {
      for (const b of server.proxy.servers) if (b.config.backup) killSessions(b, 'active server back up');
    }
  }
  if (rebalance) {
    server.proxy.balancer?.update(nowMs);
    // Capacity may have appeared: queued requests get it before new ones.
    dispatchQueues(server.proxy);
  }
  preface?.();
  if (log) {
    for (const fx of t.effects) {
      if (fx.kind !== 'log') continue;
      log.event('warning', changeMessage(server, fx.change, nowMs), { proxy: server.proxy.name, level: syslogLevel(fx.change) });
    }
  }
  if (rebalance) updateBackendState(server.proxy, nowMs, log);
  if (changed) {
    for (const tr of server.trackers) applyServerEvent(tr, { type: 'tracked', ref: server.state }, nowMs, log);
  }
  return t;
}

/** Abort every live session on the server (`shutdown sessions`, on-marked-down). */
export function killSessions(server: Server, reason: string): number {
  const all = [...server.sessions];
  for (const s of all) s.kill(reason);
  return all.length;
}
