// Runs health and agent checks for every server that has them: first probes spread over the
// interval, then `inter` when stable, `fastinter` while changing, `downinter` when fully down.
// Checks pause in MAINT or when disabled and resume through server.wakeChecks.

import type { Runtime } from '../core/runtime.js';
import type { Server } from '../core/server.js';
import { applyServerEvent } from '../core/apply.js';
import { dispatchQueues } from '../core/queue.js';
import { checkActive, fullHealth, isMaint, probeReason, type ProbeResult } from '../core/server-state.js';
import { OpState, type CheckState } from '../core/server-state-types.js';
import type { Logger } from '../log/logger.js';
import { agentProbe, httpProbe, tcpProbe, type CheckOutcome, type ProbeTarget } from './probe.js';

export interface CheckScheduler {
  stop(): void;
}

/** How often slowstart ramps are re-evaluated. */
const RAMP_TICK_MS = 1000;

type Kind = 'check' | 'agent';

interface Task {
  server: Server;
  kind: Kind;
  timer?: NodeJS.Timeout;
  inFlight: boolean;
}

/** Next delay from the health counter: transitions are probed faster, a dead server slower. */
export function nextInterval(server: Server, kind: Kind): number {
  const c = server.config;
  if (kind === 'agent') return c.agentInter;
  const h = server.state.check;
  if (h.health === 0) return c.downinter;
  if (h.health < fullHealth(h)) return c.fastinter;
  return c.inter;
}

function target(server: Server, kind: Kind): ProbeTarget | undefined {
  const c = server.config;
  const addr = server.address;
  if (addr.kind !== 'inet') return undefined;
  const host = (kind === 'agent' ? c.agentAddr : c.checkAddr) ?? addr.host;
  const port = kind === 'agent' ? c.agentPort : server.checkPort ?? addr.port;
  if (!port) return undefined;
  const inter = kind === 'agent' ? c.agentInter : c.inter;
  const to = server.proxy.config.timeouts;
  // Without `timeout check`, `inter` bounds the whole probe. With it, HAProxy connects within
  // min(timeout connect, inter) and then allows `timeout check` for the reply.
  if (to.check === undefined) return { host: host || '127.0.0.1', port, connectTimeoutMs: inter, timeoutMs: inter };
  const connectTimeoutMs = Math.min(to.connect ?? inter, inter);
  return { host: host || '127.0.0.1', port, connectTimeoutMs, timeoutMs: connectTimeoutMs + to.check };
}

function healthCheckLine(server: Server, kind: Kind, outcome: CheckOutcome | 'neutral', r: ProbeResult, c: CheckState): string {
  const what = kind === 'agent' ? 'Agent check' : 'Health check';
  const verdict = outcome === 'pass' ? 'succeeded' : outcome === 'cond' ? 'conditionally succeeded' : outcome === 'fail' ? 'failed' : 'succeeded';
  const up = c.health >= c.rise;
  const status = up ? `${c.health - c.rise + 1}/${c.fall} UP` : `${c.health}/${c.rise} DOWN`;
  const who = `${server.config.backup ? 'backup ' : ''}server ${server.proxy.name}/${server.name}`;
  return `${what} for ${who} ${verdict}, ${probeReason(r)}, status: ${status}.`;
}

export function startChecks(runtime: Runtime, log: Logger): CheckScheduler {
  const tasks: Task[] = [];
  let stopped = false;

  for (const proxy of runtime.proxies) {
    for (const server of proxy.servers) {
      if (server.tracked) continue;
      if (server.state.check.configured) tasks.push({ server, kind: 'check', inFlight: false });
      if (server.state.agent.configured) tasks.push({ server, kind: 'agent', inFlight: false });
    }
  }

  // MAINT pauses health checks only: an agent may still answer `ready` to end it.
  const paused = (t: Task): boolean =>
    !checkActive(t.server.state[t.kind]) || (t.kind === 'check' && isMaint(t.server.state));

  const schedule = (t: Task, delayMs: number): void => {
    if (stopped) return;
    clearTimeout(t.timer);
    t.timer = setTimeout(() => void run(t), delayMs);
    t.timer.unref?.();
  };

  const run = async (t: Task): Promise<void> => {
    t.timer = undefined;
    if (stopped || paused(t) || t.inFlight) return;
    const server = t.server;
    const where = target(server, t.kind);
    if (!where) return;
    t.inFlight = true;
    const before = { ...server.state[t.kind] };
    applyServerEvent(server, { type: t.kind === 'check' ? 'check-start' : 'agent-start' }, Date.now(), log);
    try {
      if (t.kind === 'check') {
        const chk = server.proxy.config.options.httpchk;
        const p = chk ? await httpProbe(where, chk) : await tcpProbe(where);
        if (stopped) return;
        applyServerEvent(server, { type: 'check', outcome: p.outcome, result: p.result }, Date.now(), log,
          () => logHealth(server, t.kind, p.outcome, p.result, before));
      } else {
        const p = await agentProbe(where, server.config.agentSend);
        if (stopped) return;
        if (p.reply?.maxconn !== undefined && p.reply.maxconn !== server.maxconn) {
          server.maxconn = p.reply.maxconn;
          server.proxy.balancer?.update(Date.now());
          dispatchQueues(server.proxy);
        }
        applyServerEvent(server, { type: 'agent', result: p.result, reply: p.reply }, Date.now(), log,
          () => logHealth(server, t.kind, p.reply ? 'pass' : 'neutral', p.result, before));
      }
    } finally {
      t.inFlight = false;
    }
    if (!paused(t)) schedule(t, nextInterval(server, t.kind));
  };

  const logHealth = (server: Server, kind: Kind, outcome: CheckOutcome | 'neutral', r: ProbeResult, before: CheckState): void => {
    if (!server.proxy.config.options.logHealthChecks) return;
    const after = server.state[kind];
    if (after.status === before.status && after.health === before.health) return;
    log.event('warning', healthCheckLine(server, kind, outcome, r, after), { proxy: server.proxy.name, level: 'notice' });
  };

  // Spread the first probes over the shortest interval so they do not all start together.
  const n = tasks.length;
  tasks.forEach((t, i) => {
    t.server.wakeChecks = () => {
      for (const other of tasks) if (other.server === t.server && !other.inFlight) schedule(other, nextInterval(other.server, other.kind));
    };
    const inter = t.kind === 'agent' ? t.server.config.agentInter : t.server.config.inter;
    schedule(t, Math.floor((inter * i) / Math.max(1, n)));
  });

  const ramp = setInterval(() => {
    const now = Date.now();
    for (const proxy of runtime.proxies) {
      for (const s of proxy.servers) if (s.state.op === OpState.STARTING) applyServerEvent(s, { type: 'tick' }, now, log);
    }
  }, RAMP_TICK_MS);
  ramp.unref?.();

  return {
    stop() {
      stopped = true;
      clearInterval(ramp);
      for (const t of tasks) {
        clearTimeout(t.timer);
        t.server.wakeChecks = undefined;
      }
    },
  };
}
