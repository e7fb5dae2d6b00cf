// The server state machine (server-states.md §1–§6), pure: transition(state, event, now, ctx)
// returns the next state and what the caller must do (log, kill sessions, wake checks,
// re-balance). Health checks, agents, the operator and tracking all go through here.

import {
  AdminFlag, DRAIN_MASK, MAINT_MASK, OpState,
  type CheckState, type CheckStatusCode, type ServerState,
} from './server-state-types.js';

/** One finished probe: how it went and what it said. */
export interface ProbeResult {
  status: CheckStatusCode;
  code?: number;
  desc: string;
  durationMs: number;
}

/** What an agent reply asked for (words and percentage may be combined: `up 50%`). */
export interface AgentReply {
  health?: 'up' | 'down';
  admin?: 'ready' | 'drain' | 'maint';
  weightPct?: number;
  /** `maxconn:N`: the server's new connection limit (applied to the Server, not its state). */
  maxconn?: number;
}

export type ServerEvent =
  | { type: 'check-start' }
  | { type: 'agent-start' }
  /** Health check finished: pass, fail, or conditional pass (disable-on-404 → NOLB). */
  | { type: 'check'; outcome: 'pass' | 'fail' | 'cond'; result: ProbeResult }
  /** Agent check finished; `reply` undefined when the agent could not be reached (neutral). */
  | { type: 'agent'; result: ProbeResult; reply?: AgentReply }
  | { type: 'admin'; action: 'ready' | 'drain' | 'maint' }
  /** `why` is the log wording, e.g. `changed from CLI` (the default). */
  | { type: 'force-health'; to: 'up' | 'stopping' | 'down'; why?: string }
  | { type: 'force-agent'; to: 'up' | 'down'; why?: string }
  | { type: 'health-checks'; enable: boolean }
  | { type: 'agent-checks'; enable: boolean }
  | { type: 'weight'; weight: number }
  /** Time passes: ends a slowstart ramp. */
  | { type: 'tick' }
  /** The tracked server changed; copy its state (MAINT/DRAIN become inherited). */
  | { type: 'tracked'; ref: ServerState };

/** A state change worth a log line; the caller words it with server counts (see apply.ts). */
export type StateChange =
  | { kind: 'down' | 'up' | 'stopping'; reason: string }
  /** `up`: the server was taking traffic (HAProxy words the counts as `online`, else `left`). */
  /** `via`: inherited from the tracked server rather than set by the operator. */
  | { kind: 'drain'; up: boolean; via?: boolean }
  | { kind: 'leave-drain'; up: boolean }
  | { kind: 'maint'; wasDown: boolean; via?: boolean }
  | { kind: 'leave-maint'; up: boolean; drain: boolean; via?: boolean }
  /** Said after any other change while the operator's drain stays set. */
  | { kind: 'remains-drain' };

export type Effect =
  | { kind: 'log'; change: StateChange }
  | { kind: 'kill-sessions' }
  /** Checks must be (re)started soon, e.g. after READY from MAINT or `enable health`. */
  | { kind: 'wake-checks' }
  | { kind: 'balancer' };

/** Reason of a change copied from the tracked server (worded `via bk/srv` in the log). */
export const TRACKED_REASON = 'via tracked server';

export interface TransitionCtx {
  slowstartMs: number;
  onMarkedDownShutdownSessions: boolean;
}

export interface Transition {
  state: ServerState;
  effects: Effect[];
}

const CHECK_TEXT: Record<CheckStatusCode, string> = {
  UNK: 'Unknown', INI: 'Initializing', CHECKED: 'No status change', HANA: 'Health analyze',
  SOCKERR: 'Socket error', L4OK: 'Layer4 check passed', L4TOUT: 'Layer4 timeout',
  L4CON: 'Layer4 connection problem', L6OK: 'Layer6 check passed', L6TOUT: 'Layer6 timeout',
  L6RSP: 'Layer6 invalid response', L7TOUT: 'Layer7 timeout', L7RSP: 'Layer7 invalid response',
  L7OK: 'Layer7 check passed', L7OKC: 'Layer7 check conditionally passed', L7STS: 'Layer7 wrong status',
  PROCERR: 'External check error', PROCTOUT: 'External check timeout', PROCOK: 'External check passed',
};

/** `check_desc`: the long text of a check status code. */
export function checkStatusText(code: CheckStatusCode): string {
  return CHECK_TEXT[code];
}

/** HAProxy's `reason: ..., code: N, info: "...", check duration: Nms` for a probe. */
export function probeReason(r: ProbeResult): string {
  let s = `reason: ${CHECK_TEXT[r.status]}`;
  if (r.code !== undefined && r.status.startsWith('L7')) s += `, code: ${r.code}`;
  if (r.desc) s += `, info: "${r.desc}"`;
  return `${s}, check duration: ${r.durationMs}ms`;
}

export function fullHealth(c: CheckState): number {
  return c.rise + c.fall - 1;
}

export function checkActive(c: CheckState): boolean {
  return c.configured && c.enabled;
}

export function isMaint(s: ServerState): boolean {
  return (s.admin & MAINT_MASK) !== 0;
}

export function isDrain(s: ServerState): boolean {
  return (s.admin & DRAIN_MASK) !== 0;
}

export function isUp(s: ServerState): boolean {
  return s.op === OpState.RUNNING || s.op === OpState.STARTING;
}

/** The initial state of a server line, before any check ran. */
export function initialServerState(
  opts: {
    check: boolean; agent: boolean; rise: number; fall: number; weight: number; disabled: boolean;
  },
  nowMs: number,
): ServerState {
  const chk = (configured: boolean, rise: number, fall: number): CheckState => ({
    configured, enabled: configured, running: false, health: rise, rise, fall,
    status: 'INI', desc: '',
  });
  const down = opts.disabled;
  const check = chk(opts.check, opts.rise, opts.fall);
  // A server disabled in the config starts in MAINT with no health, as HAProxy reports it.
  if (down) check.health = 0;
  return {
    admin: down ? AdminFlag.FMAINT | AdminFlag.CMAINT : 0,
    op: down ? OpState.STOPPED : OpState.RUNNING,
    check,
    agent: chk(opts.agent, 1, 1),
    weight: opts.weight,
    initialWeight: opts.weight,
    weightSetByOperator: false,
    chkfail: 0,
    chkdown: 0,
    lastChangeMs: nowMs,
    downtimeMs: 0,
    downSinceMs: down ? nowMs : undefined,
  };
}

/** Weight as the balancer sees it: 0 unless usable; scaled during a slowstart ramp. */
export function effectiveWeight(s: ServerState, slowstartMs: number, nowMs: number): number {
  if (!isUp(s) || isMaint(s) || isDrain(s) || s.weight <= 0) return 0;
  if (s.op === OpState.STARTING && slowstartMs > 0 && s.rampStartMs !== undefined) {
    const frac = Math.min(1, Math.max(0, (nowMs - s.rampStartMs) / slowstartMs));
    return Math.max(1, Math.ceil(s.weight * frac));
  }
  return s.weight;
}

/** Percent of full load a ramping server takes (CSV `throttle`), undefined when not ramping. */
export function throttlePct(s: ServerState, slowstartMs: number, nowMs: number): number | undefined {
  if (s.op !== OpState.STARTING || s.rampStartMs === undefined || slowstartMs <= 0) return undefined;
  return Math.min(100, Math.floor(((nowMs - s.rampStartMs) * 100) / slowstartMs));
}

/** Total ms spent STOPPED so far (CSV `downtime` ×1000). */
export function downtimeMs(s: ServerState, nowMs: number): number {
  return s.downtimeMs + (s.downSinceMs !== undefined ? nowMs - s.downSinceMs : 0);
}

/** CSV `lastchg` in seconds. */
export function lastChangeSeconds(s: ServerState, nowMs: number): number {
  return Math.max(0, Math.floor((nowMs - s.lastChangeMs) / 1000));
}

/** CSV `check_status`: `* ` prefix while a probe is in flight; blank when not active or in MAINT. */
export function checkStatusField(s: ServerState, which: 'check' | 'agent' = 'check'): string {
  const c = s[which];
  if (!checkActive(c) || isMaint(s)) return '';
  return (c.running ? '* ' : '') + c.status;
}

/** Server row `status` text, server-states.md §3. `trackedName` is `bk/srv` for a tracker. */
export function serverStatusText(s: ServerState, trackedName?: string, ref: ServerState = s): string {
  if (s.admin & AdminFlag.RMAINT) return 'MAINT (resolution)';
  if (s.admin & AdminFlag.IMAINT) return trackedName ? `MAINT (via ${trackedName})` : 'MAINT';
  if (isMaint(s)) return 'MAINT';
  const chk = ref.check;
  const agent = s.agent;
  if (isUp(s)) {
    const goingDown = checkActive(chk) && chk.health < fullHealth(chk);
    const frac = `${chk.health - chk.rise + 1}/${chk.fall}`;
    if (isDrain(s)) {
      if (checkActive(agent)) return 'DRAIN (agent)';
      return goingDown ? `DRAIN ${frac}` : 'DRAIN';
    }
    if (goingDown) return `UP ${frac}`;
    return checkActive(chk) || trackedName ? 'UP' : 'no check';
  }
  if (s.op === OpState.STOPPING) {
    if ((!checkActive(chk) && !trackedName) || chk.health >= fullHealth(chk)) return 'NOLB';
    return `NOLB ${chk.health - chk.rise + 1}/${chk.fall}`;
  }
  if (checkActive(agent) && agent.health === 0) return 'DOWN (agent)';
  if (checkActive(chk) && chk.health > 0) return `DOWN ${chk.health}/${chk.rise}`;
  return 'DOWN';
}

/** Backend row status: UP while some server takes load-balanced traffic (or none exist). */
export function backendStatusText(servers: readonly { weight: number }[]): 'UP' | 'DOWN' {
  if (servers.length === 0) return 'UP';
  return servers.some((s) => s.weight > 0) ? 'UP' : 'DOWN';
}

// ---- transitions ----

function withOp(s: ServerState, op: OpState, nowMs: number, slowstartMs: number): ServerState {
  if (s.op === op) return s;
  const next: ServerState = { ...s, op, lastChangeMs: nowMs };
  if (op === OpState.STOPPED) {
    next.downSinceMs = nowMs;
    next.chkdown = s.chkdown + 1;
    next.rampStartMs = undefined;
  } else if (s.op === OpState.STOPPED) {
    if (s.downSinceMs !== undefined) next.downtimeMs = s.downtimeMs + (nowMs - s.downSinceMs);
    next.downSinceMs = undefined;
    if (op === OpState.RUNNING && slowstartMs > 0) {
      next.op = OpState.STARTING;
      next.rampStartMs = nowMs;
    }
  }
  return next;
}

/** Up as far as checks and agent are concerned (inactive ones do not veto). */
function healthy(s: ServerState): boolean {
  const chkOk = !checkActive(s.check) || s.check.health >= s.check.rise;
  const agentOk = !checkActive(s.agent) || s.agent.health >= s.agent.rise;
  return chkOk && agentOk;
}

function logOpChange(s: ServerState, change: StateChange, fx: Effect[]): void {
  fx.push({ kind: 'log', change });
  if (s.admin & AdminFlag.FDRAIN) fx.push({ kind: 'log', change: { kind: 'remains-drain' } });
}

function goDown(s: ServerState, reason: string, now: number, ctx: TransitionCtx, fx: Effect[]): ServerState {
  if (s.op === OpState.STOPPED) return s;
  const next = withOp(s, OpState.STOPPED, now, ctx.slowstartMs);
  if (!isMaint(s)) logOpChange(s, { kind: 'down', reason }, fx);
  if (ctx.onMarkedDownShutdownSessions) fx.push({ kind: 'kill-sessions' });
  fx.push({ kind: 'balancer' });
  return next;
}

function goUp(s: ServerState, op: OpState, reason: string, now: number, ctx: TransitionCtx, fx: Effect[]): ServerState {
  if (s.op === op || (op === OpState.RUNNING && s.op === OpState.STARTING)) return s;
  const next = withOp(s, op, now, ctx.slowstartMs);
  if (!isMaint(s)) logOpChange(s, { kind: op === OpState.STOPPING ? 'stopping' : 'up', reason }, fx);
  fx.push({ kind: 'balancer' });
  return next;
}

function probeDone(c: CheckState, r: ProbeResult): CheckState {
  return { ...c, running: false, status: r.status, code: r.code, durationMs: r.durationMs, desc: r.desc };
}

function onCheck(s: ServerState, e: Extract<ServerEvent, { type: 'check' }>, now: number, ctx: TransitionCtx, fx: Effect[]): ServerState {
  // A probe that was in flight when MAINT or `disable health` came in is dropped.
  if (!checkActive(s.check) || isMaint(s)) return { ...s, check: { ...s.check, running: false } };
  const c = probeDone(s.check, e.result);
  const full = fullHealth(c);
  const reason = probeReason(e.result);
  if (e.outcome === 'fail') {
    const wasUp = c.health >= c.rise;
    const next: ServerState = { ...s, check: c, chkfail: s.chkfail + (wasUp ? 1 : 0) };
    if (c.health > c.rise) {
      c.health--;
      return next;
    }
    c.health = 0;
    return goDown(next, reason, now, ctx, fx);
  }
  if (c.health < c.rise) c.health++;
  if (c.health >= c.rise) c.health = full;
  let next: ServerState = { ...s, check: c };
  if (c.health < c.rise || !healthy(next)) return next;
  if (e.outcome === 'cond') return goUp(next, OpState.STOPPING, reason, now, ctx, fx);
  if (next.op === OpState.STOPPED || next.op === OpState.STOPPING) next = goUp(next, OpState.RUNNING, reason, now, ctx, fx);
  return next;
}

function onAgent(s: ServerState, e: Extract<ServerEvent, { type: 'agent' }>, now: number, ctx: TransitionCtx, fx: Effect[]): ServerState {
  if (!checkActive(s.agent)) return { ...s, agent: { ...s.agent, running: false } };
  const a = probeDone(s.agent, e.result);
  let next: ServerState = { ...s, agent: a };
  const r = e.reply;
  if (!r) return next;
  if (r.weightPct !== undefined) {
    const w = Math.min(256, Math.floor((s.initialWeight * r.weightPct) / 100));
    if (w !== next.weight) {
      next.weight = w;
      fx.push({ kind: 'balancer' });
    }
  }
  if (r.admin) next = onAdmin(next, r.admin, now, ctx, fx).state;
  if (r.health === 'down') {
    a.health = 0;
    next = goDown(next, probeReason(e.result), now, ctx, fx);
  } else if (r.health === 'up') {
    a.health = fullHealth(a);
    if (!isMaint(next) && healthy(next) && next.op === OpState.STOPPED) {
      next = goUp(next, OpState.RUNNING, probeReason(e.result), now, ctx, fx);
    }
  }
  return next;
}

/**
 * Operator admin state, as HAProxy's CLI and page apply it: `maint` also clears a forced
 * drain, `drain` also leaves forced maintenance, `ready` clears both (and the config MAINT).
 */
function onAdmin(
  s: ServerState, action: 'ready' | 'drain' | 'maint', now: number, ctx: TransitionCtx, fx: Effect[],
): Transition {
  const leaving = action === 'maint' ? 0 : AdminFlag.CMAINT;
  const set = action === 'maint' ? AdminFlag.FMAINT : action === 'drain' ? AdminFlag.FDRAIN : 0;
  const admin = (s.admin & ~(AdminFlag.FMAINT | AdminFlag.FDRAIN | leaving)) | set;
  if (admin === s.admin) return { state: s, effects: fx };
  let next: ServerState = { ...s, admin, lastChangeMs: now };
  const wasMaint = isMaint(s);
  if (!wasMaint && isMaint(next)) {
    // In MAINT the health counter reads 0 and probes stop; READY later restarts it at `rise`.
    next.check = { ...next.check, running: false, health: 0 };
    fx.push({ kind: 'log', change: { kind: 'maint', wasDown: s.op === OpState.STOPPED } });
    next = withOp(next, OpState.STOPPED, now, ctx.slowstartMs);
  } else if (wasMaint && !isMaint(next)) {
    // Leaving maintenance: on probation (health = rise) so the next check decides.
    if (checkActive(next.check)) next.check = { ...next.check, health: next.check.rise };
    const up = healthy(next);
    next = withOp(next, up ? OpState.RUNNING : OpState.STOPPED, now, ctx.slowstartMs);
    fx.push({ kind: 'log', change: { kind: 'leave-maint', up, drain: isDrain(next) } });
    if (next.admin & AdminFlag.FDRAIN) fx.push({ kind: 'log', change: { kind: 'remains-drain' } });
    fx.push({ kind: 'wake-checks' });
  } else if (!isMaint(next) && isDrain(s) !== isDrain(next)) {
    fx.push({ kind: 'log', change: { kind: isDrain(next) ? 'drain' : 'leave-drain', up: isUp(next) } });
  }
  fx.push({ kind: 'balancer' });
  return { state: next, effects: fx };
}

function onForceHealth(
  s: ServerState, to: 'up' | 'stopping' | 'down', why: string, now: number, ctx: TransitionCtx, fx: Effect[],
): ServerState {
  const c = { ...s.check };
  if (to === 'down') {
    c.health = 0;
    const next = { ...s, check: c };
    if (isMaint(s)) return next;
    return goDown(next, why, now, ctx, fx);
  }
  c.health = fullHealth(c);
  const next = { ...s, check: c };
  if (isMaint(s)) return next;
  return goUp(next, to === 'up' ? OpState.RUNNING : OpState.STOPPING, why, now, ctx, fx);
}

function onForceAgent(s: ServerState, to: 'up' | 'down', why: string, now: number, ctx: TransitionCtx, fx: Effect[]): ServerState {
  const a = { ...s.agent, health: to === 'up' ? fullHealth(s.agent) : 0 };
  const next = { ...s, agent: a };
  if (isMaint(s) || !checkActive(a)) return next;
  if (to === 'down') return goDown(next, why, now, ctx, fx);
  if (healthy(next) && next.op === OpState.STOPPED) return goUp(next, OpState.RUNNING, why, now, ctx, fx);
  return next;
}

function onTracked(s: ServerState, ref: ServerState, now: number, ctx: TransitionCtx, fx: Effect[]): ServerState {
  let admin = s.admin & ~(AdminFlag.IMAINT | AdminFlag.IDRAIN);
  if (isMaint(ref)) admin |= AdminFlag.IMAINT;
  if (isDrain(ref)) admin |= AdminFlag.IDRAIN;
  let next: ServerState = admin === s.admin ? s : { ...s, admin, lastChangeMs: now };
  if (admin !== s.admin) fx.push({ kind: 'balancer' });
  const refOp = ref.op === OpState.STARTING ? OpState.RUNNING : ref.op;
  const wasMaint = isMaint(s);
  if (isMaint(next)) {
    if (!wasMaint) {
      fx.push({ kind: 'log', change: { kind: 'maint', wasDown: s.op === OpState.STOPPED, via: true } });
      next = { ...next, check: { ...next.check, health: 0 } };
    }
    return withOp(next, OpState.STOPPED, now, ctx.slowstartMs);
  }
  if (wasMaint) {
    next = withOp(next, refOp, now, ctx.slowstartMs);
    fx.push({ kind: 'log', change: { kind: 'leave-maint', up: refOp !== OpState.STOPPED, drain: isDrain(next), via: true } });
    return next;
  }
  if (isDrain(s) !== isDrain(next)) {
    fx.push({ kind: 'log', change: isDrain(next) ? { kind: 'drain', up: isUp(next), via: true } : { kind: 'leave-drain', up: isUp(next) } });
  }
  if (refOp === OpState.STOPPED) return goDown(next, TRACKED_REASON, now, ctx, fx);
  if (refOp !== next.op && !(refOp === OpState.RUNNING && next.op === OpState.STARTING)) {
    next = goUp(next, refOp, TRACKED_REASON, now, ctx, fx);
  }
  return next;
}

export function transition(state: ServerState, event: ServerEvent, nowMs: number, ctx: TransitionCtx): Transition {
  const fx: Effect[] = [];
  const s = state;
  switch (event.type) {
    case 'check-start':
      if (!checkActive(s.check) || isMaint(s)) return { state: s, effects: fx };
      return { state: { ...s, check: { ...s.check, running: true } }, effects: fx };
    case 'agent-start':
      if (!checkActive(s.agent)) return { state: s, effects: fx };
      return { state: { ...s, agent: { ...s.agent, running: true } }, effects: fx };
    case 'check':
      return { state: onCheck(s, event, nowMs, ctx, fx), effects: fx };
    case 'agent':
      return { state: onAgent(s, event, nowMs, ctx, fx), effects: fx };
    case 'admin':
      return onAdmin(s, event.action, nowMs, ctx, fx);
    case 'force-health':
      return { state: onForceHealth(s, event.to, event.why ?? 'changed from CLI', nowMs, ctx, fx), effects: fx };
    case 'force-agent':
      return { state: onForceAgent(s, event.to, event.why ?? 'changed from CLI', nowMs, ctx, fx), effects: fx };
    case 'health-checks':
    case 'agent-checks': {
      const key = event.type === 'health-checks' ? 'check' : 'agent';
      const c = s[key];
      if (!c.configured || c.enabled === event.enable) return { state: s, effects: fx };
      const health = event.enable ? (isUp(s) || s.op === OpState.STOPPING ? fullHealth(c) : 0) : c.health;
      const next: ServerState = { ...s, [key]: { ...c, enabled: event.enable, running: false, health } };
      if (event.enable) fx.push({ kind: 'wake-checks' });
      return { state: next, effects: fx };
    }
    case 'weight': {
      if (event.weight === s.weight && s.weightSetByOperator) return { state: s, effects: fx };
      fx.push({ kind: 'balancer' });
      return { state: { ...s, weight: event.weight, weightSetByOperator: true }, effects: fx };
    }
    case 'tick': {
      if (s.op !== OpState.STARTING) return { state: s, effects: fx };
      if (s.rampStartMs !== undefined && nowMs - s.rampStartMs < ctx.slowstartMs) return { state: s, effects: fx };
      fx.push({ kind: 'balancer' });
      return { state: { ...s, op: OpState.RUNNING, rampStartMs: undefined }, effects: fx };
    }
    case 'tracked':
      return { state: onTracked(s, event.ref, nowMs, ctx, fx), effects: fx };
  }
}

// ---- numeric forms for `show servers state` and the server-state file ----

const STATUS_NUMBER: Record<CheckStatusCode, number> = {
  UNK: 0, INI: 1, CHECKED: 3, HANA: 4, SOCKERR: 5, L4OK: 6, L4TOUT: 7, L4CON: 8, L6OK: 9, L6TOUT: 10,
  L6RSP: 11, L7TOUT: 12, L7RSP: 13, L7OK: 15, L7OKC: 16, L7STS: 17, PROCERR: 18, PROCTOUT: 19, PROCOK: 20,
};

/** `srv_check_status`: HAProxy's number for a check status code. */
export function checkStatusNumber(code: CheckStatusCode): number {
  return STATUS_NUMBER[code];
}

/** `srv_check_result`: 0 unknown, 1 neutral, 2 failed, 3 passed, 4 conditionally passed. */
export function checkResultNumber(code: CheckStatusCode): number {
  switch (code) {
    case 'UNK': case 'INI': return 0;
    case 'CHECKED': return 1;
    case 'L4OK': case 'L6OK': case 'L7OK': case 'PROCOK': return 3;
    case 'L7OKC': return 4;
    default: return 2;
  }
}

/** `srv_check_state` / `srv_agent_state` bits: running, configured, enabled, paused (MAINT), agent. */
export function checkStateMask(s: ServerState, which: 'check' | 'agent'): number {
  const c = s[which];
  if (!c.configured) return 0;
  let mask = 0x02;
  if (c.enabled) mask |= 0x04;
  if (c.running) mask |= 0x01;
  if (which === 'agent') mask |= 0x10;
  else if (isMaint(s)) mask |= 0x08;
  return mask;
}
