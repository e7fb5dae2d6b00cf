// The one place that changes operator-visible state. The stats page, the runtime API, agents,
// reload and the fleet all call these functions; every applied change is logged with its actor.

import { applyServerEvent, killSessions } from '../core/apply.js';
import type { Proxy } from '../core/proxy.js';
import { dispatchQueues } from '../core/queue.js';
import type { Runtime } from '../core/runtime.js';
import type { Server } from '../core/server.js';
import type { ServerEvent } from '../core/server-state.js';
import { AdminFlag } from '../core/server-state-types.js';
import type { Logger } from '../log/logger.js';
import { isIP } from 'node:net';

/** Server actions with the names HAProxy's stats form posts. */
export type ServerAction =
  | 'ready' | 'drain' | 'maint'
  | 'dhlth' | 'ehlth' | 'hrunn' | 'hnolb' | 'hdown'
  | 'dagent' | 'eagent' | 'arunn' | 'adown'
  | 'shutdown';

/** Who asked, for the audit log. */
export interface Actor {
  via: 'page' | 'socket' | 'agent' | 'fleet' | 'reload';
  user?: string;
  src?: string;
}

/**
 * `applied` false means the action was valid but changed nothing (HAProxy's NONE / agent not
 * enabled). `message` is what the CLI prints, when HAProxy prints something.
 */
export type ActionResult = { ok: true; applied: boolean; message?: string } | { ok: false; message: string };

export interface Control {
  serverAction(server: Server, action: ServerAction, actor: Actor): ActionResult;
  /** `set server b/s weight 50` / `50%`: message texts as HAProxy's CLI. */
  /** One action on every server of a backend (e.g. drain a whole backend for a deploy). */
  backendAction(backend: Proxy, action: ServerAction, actor: Actor): ActionResult;
  setWeight(server: Server, weight: string, actor: Actor): ActionResult;
  setMaxconn(server: Server, maxconn: number, actor: Actor): ActionResult;
  setAddress(server: Server, addr: string, port: number | undefined, actor: Actor): ActionResult;
  setCheckPort(server: Server, port: number, actor: Actor): ActionResult;
  /** `set maxconn frontend <fe> <n>`. */
  setFrontendMaxconn(frontend: Proxy, maxconn: number, actor: Actor): ActionResult;
  /** `set maxconn global <n>`. */
  setGlobalMaxconn(maxconn: number, actor: Actor): ActionResult;
  /** `disable frontend` (→ PAUSED) / `enable frontend` (→ OPEN). */
  setFrontendEnabled(frontend: Proxy, enabled: boolean, actor: Actor): ActionResult;
  /** `clear counters` (peaks) / `clear counters all`. */
  clearCounters(all: boolean, actor: Actor): ActionResult;
}

const ok = (applied: boolean, message?: string): ActionResult => (message === undefined ? { ok: true, applied } : { ok: true, applied, message });
const fail = (message: string): ActionResult => ({ ok: false, message });

const AGENT_OFF = 'agent checks are not enabled on this server.';

function describe(actor: Actor): string {
  const parts: string[] = [`via ${actor.via}`];
  if (actor.user) parts.push(`user ${actor.user}`);
  if (actor.src) parts.push(`src ${actor.src}`);
  return parts.join(', ');
}

/** HAProxy's log wording for who forced a health change. */
function forcedBy(actor: Actor): string {
  if (actor.via === 'page') return 'changed from Web interface';
  if (actor.via === 'reload') return 'changed from server-state after a reload';
  return 'changed from CLI';
}

function eventFor(action: ServerAction, actor: Actor): ServerEvent | undefined {
  const why = forcedBy(actor);
  switch (action) {
    case 'ready': case 'drain': case 'maint': return { type: 'admin', action };
    case 'dhlth': return { type: 'health-checks', enable: false };
    case 'ehlth': return { type: 'health-checks', enable: true };
    case 'hrunn': return { type: 'force-health', to: 'up', why };
    case 'hnolb': return { type: 'force-health', to: 'stopping', why };
    case 'hdown': return { type: 'force-health', to: 'down', why };
    case 'dagent': return { type: 'agent-checks', enable: false };
    case 'eagent': return { type: 'agent-checks', enable: true };
    case 'arunn': return { type: 'force-agent', to: 'up', why };
    case 'adown': return { type: 'force-agent', to: 'down', why };
    case 'shutdown': return undefined;
  }
}

export function createControl(runtime: Runtime, log: Logger): Control {
  const audit = (what: string, actor: Actor): void => {
    log.event('notice', `Operator change: ${what} (${describe(actor)}).`);
  };
  const serverName = (s: Server): string => `${s.proxy.name}/${s.name}`;

  const control: Control = {
    backendAction(backend, action, actor) {
      let applied = false;
      for (const server of backend.servers) {
        const r = control.serverAction(server, action, actor);
        if (r.ok && r.applied) applied = true;
      }
      return ok(applied);
    },

    serverAction(server, action, actor) {
      if (action === 'shutdown') {
        const n = killSessions(server, 'killed by admin');
        audit(`shutdown sessions server ${serverName(server)} (${n} killed)`, actor);
        return ok(true);
      }
      const isAgent = action === 'dagent' || action === 'eagent' || action === 'arunn' || action === 'adown';
      if (isAgent && !server.state.agent.configured) return ok(false, AGENT_OFF);
      const isHealth = action === 'hrunn' || action === 'hnolb' || action === 'hdown';
      if (isHealth && server.tracked) return fail('cannot change health on a tracking server.');
      const before = server.state;
      applyServerEvent(server, eventFor(action, actor)!, Date.now(), log);
      const applied = server.state !== before;
      if (applied) audit(`server ${serverName(server)} ${action}`, actor);
      return ok(applied);
    },

    setWeight(server, text, actor) {
      const m = /^(\d+)(%?)$/.exec(text.trim());
      if (/^-\d+$/.test(text.trim())) return fail('Absolute weight can only be between 0 and 256 inclusive.');
      if (!m) return fail(text.trim().startsWith('-') ? 'Relative weight must be positive.' : 'Require <weight> or <weight%>.');
      const n = Number(m[1]);
      let w: number;
      if (m[2] === '%') w = Math.floor((server.state.initialWeight * n) / 100);
      else w = n;
      if (w < 0 || w > 256) return fail('Absolute weight can only be between 0 and 256 inclusive.');
      const algo = server.proxy.config.balance.algorithm;
      if (algo === 'static-rr' && w !== 0 && w !== server.state.initialWeight) {
        return fail("Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.");
      }
      applyServerEvent(server, { type: 'weight', weight: w }, Date.now(), log);
      audit(`server ${serverName(server)} weight ${w}`, actor);
      return ok(true);
    },

    setMaxconn(server, maxconn, actor) {
      if (!Number.isInteger(maxconn) || maxconn < 0) return fail('Invalid value.');
      server.maxconn = maxconn;
      server.proxy.balancer?.update(Date.now());
      dispatchQueues(server.proxy);
      audit(`server ${serverName(server)} maxconn ${maxconn}`, actor);
      return ok(true);
    },

    setAddress(server, addr, port, actor) {
      const family = isIP(addr);
      if (family === 0) return fail('Invalid addr.');
      const cur = server.address;
      const curHost = cur.kind === 'inet' ? cur.host : '';
      const curPort = cur.kind === 'inet' ? cur.port : 0;
      const msgs: string[] = [];
      msgs.push(addr === curHost ? 'no need to change the addr' : `IP changed from '${curHost}' to '${addr}'`);
      const newPort = port ?? curPort;
      if (port !== undefined) {
        msgs.push(newPort === curPort ? 'no need to change the port' : `port changed from '${curPort}' to '${newPort}'`);
      }
      const changed = addr !== curHost || newPort !== curPort;
      if (changed) {
        server.address = { kind: 'inet', host: addr, port: newPort, family: family as 4 | 6 };
        audit(`server ${serverName(server)} addr ${addr}:${newPort}`, actor);
      }
      return ok(changed, `${msgs.join(', ')} by 'stats socket command'`);
    },

    setCheckPort(server, port, actor) {
      if (!Number.isInteger(port) || port < 1 || port > 65535) return fail('Invalid port.');
      server.checkPort = port;
      audit(`server ${serverName(server)} check-port ${port}`, actor);
      return ok(true);
    },

    setFrontendMaxconn(frontend, maxconn, actor) {
      if (!Number.isInteger(maxconn) || maxconn < 0) return fail('Value out of range.');
      frontend.maxconn = maxconn;
      audit(`frontend ${frontend.name} maxconn ${maxconn}`, actor);
      return ok(true);
    },

    setGlobalMaxconn(maxconn, actor) {
      if (!Number.isInteger(maxconn) || maxconn < 0) return fail('Value out of range.');
      runtime.maxconn = maxconn;
      audit(`global maxconn ${maxconn}`, actor);
      return ok(true);
    },

    setFrontendEnabled(frontend, enabled, actor) {
      if (frontend.frontendStatus === 'STOP') return fail('Frontend was already shut down.');
      const want = enabled ? 'OPEN' : 'PAUSED';
      if (frontend.frontendStatus === want) return ok(false);
      frontend.frontendStatus = want;
      audit(`frontend ${frontend.name} ${enabled ? 'enabled' : 'disabled'}`, actor);
      return ok(true);
    },

    clearCounters(all, actor) {
      for (const p of runtime.proxies) {
        for (const c of [p.feCounters, p.beCounters, ...p.servers.map((s) => s.counters)]) {
          if (all) c.clearAll();
          else c.clearMax();
        }
      }
      if (all) {
        runtime.process.cumConns = 0;
        runtime.process.cumReq = 0;
      }
      runtime.process.maxConnReached = runtime.process.currConns;
      audit(`clear counters${all ? ' all' : ''}`, actor);
      return ok(true);
    },
  };
  return control;
}

/** Operator-set state of one server, kept across reloads and shared by the fleet. */
export interface SavedServerState {
  backend: string;
  server: string;
  drain: boolean;
  maint: boolean;
  /** Only when the operator changed it. */
  weight?: number;
  /** Forced health with checks disabled (otherwise checks decide again). */
  forcedHealth?: 'up' | 'stopping' | 'down';
  healthChecks?: boolean;
  agentChecks?: boolean;
}

export function exportOperatorState(runtime: Runtime): SavedServerState[] {
  const out: SavedServerState[] = [];
  for (const p of runtime.proxies) {
    if (!p.config.isBackend) continue;
    for (const s of p.servers) {
      const st = s.state;
      const saved: SavedServerState = {
        backend: p.name,
        server: s.name,
        drain: (st.admin & AdminFlag.FDRAIN) !== 0,
        maint: (st.admin & AdminFlag.FMAINT) !== 0 && (st.admin & AdminFlag.CMAINT) === 0,
      };
      if (st.weightSetByOperator) saved.weight = st.weight;
      if (st.check.configured) saved.healthChecks = st.check.enabled;
      if (st.agent.configured) saved.agentChecks = st.agent.enabled;
      if (st.check.configured && !st.check.enabled) {
        saved.forcedHealth = st.op === 0 ? 'down' : st.op === 3 ? 'stopping' : 'up';
      }
      out.push(saved);
    }
  }
  return out;
}

/** Re-apply saved operator state by backend/server name; unknown names are skipped. */
export function applyOperatorState(runtime: Runtime, saved: readonly SavedServerState[], log?: Logger): number {
  const now = Date.now();
  let applied = 0;
  for (const e of saved) {
    const server = runtime.backend(e.backend)?.serversByName.get(e.server);
    if (!server) continue;
    applied++;
    const run = (ev: ServerEvent): void => {
      applyServerEvent(server, ev, now, log);
    };
    if (e.weight !== undefined) run({ type: 'weight', weight: e.weight });
    if (e.healthChecks === false) run({ type: 'health-checks', enable: false });
    if (e.agentChecks === false) run({ type: 'agent-checks', enable: false });
    if (e.forcedHealth && e.forcedHealth !== 'up') {
      run({ type: 'force-health', to: e.forcedHealth, why: 'changed from server-state after a reload' });
    }
    if (e.drain) run({ type: 'admin', action: 'drain' });
    if (e.maint) run({ type: 'admin', action: 'maint' });
  }
  return applied;
}
