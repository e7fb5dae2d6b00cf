// Per-proxy data-plane settings resolved once at start: compiled conditions, routes, timeouts,
// so a request only reads fields.

import type { Proxy } from '../core/proxy.js';
import type { Runtime } from '../core/runtime.js';
import type { HeaderRuleAction, ProxyConfig } from '../config/model.js';
import { compileCondition, type Predicate } from '../acl/compile.js';
import { networkMatcher, parseNetwork } from '../acl/cidr.js';
import type { Killable, Server } from '../core/server.js';
import { releaseServer } from '../core/queue.js';
import { effectiveWeight } from '../core/server-state.js';
import type { Upstream } from './upstream.js';

export interface CompiledRule {
  rule: HeaderRuleAction;
  cond?: Predicate;
}

export interface BackendCtx {
  proxy: Proxy;
  httpResponse: CompiledRule[];
  connectTimeout: number;
  serverTimeout: number;
  queueTimeout: number;
  tunnelTimeout: number;
  retries: number;
  redispatch: boolean;
  reuse: boolean;
  /** `http-reuse aggressive|always`: a client connection's first request may use an idle one too. */
  reuseFirst: boolean;
  serverClose: boolean;
  forwardfor?: ForwardFor;
  /** Idle keep-alive connections per server. */
  pools: Map<Server, Upstream[]>;
}

export interface ForwardFor {
  /** In lower case, as it goes out. */
  header: string;
  except?: (ip: string) => boolean;
  ifNone: boolean;
}

export interface FrontendCtx {
  proxy: Proxy;
  runtime: Runtime;
  mode: 'http' | 'tcp';
  routes: { when: Predicate; backend: BackendCtx }[];
  defaultBackend?: BackendCtx;
  httpRequest: CompiledRule[];
  /** Applied after the backend's own http-response rules, as HAProxy orders them. */
  httpResponse: CompiledRule[];
  clientTimeout: number;
  httpRequestTimeout: number;
  keepAliveTimeout: number;
  tunnelTimeout: number;
  httpClose: boolean;
  serverClose: boolean;
  forwardfor?: ForwardFor;
  /** `option httplog` / `tcplog` with a `log` target: access lines are produced only then. */
  logFormat?: 'http' | 'tcp';
  stats: boolean;
  maxHeaders: number;
  /** Largest head accepted (tune.bufsize minus tune.maxrewrite, as HAProxy reserves it). */
  headLimit: number;
}

function compileRules(cfg: ProxyConfig, rules: ProxyConfig['httpRequest'], runtime: Runtime): CompiledRule[] {
  return rules.map((r) => ({
    // Header names are compared and sent in lower case: lowered once here, not per request.
    rule: 'name' in r.rule ? { ...r.rule, name: r.rule.name.toLowerCase() } : r.rule,
    cond: r.cond ? compileCondition(r.cond, cfg.acls, runtime.config.userlists) : undefined,
  }));
}

function forwardFor(cfg: ProxyConfig): ForwardFor | undefined {
  const ff = cfg.options.forwardfor;
  if (!ff) return undefined;
  const net = ff.except ? parseNetwork(ff.except) : undefined;
  return { header: ff.header.toLowerCase(), except: net ? networkMatcher([net]) : undefined, ifNone: ff.ifNone };
}

export function buildContexts(runtime: Runtime): { frontends: FrontendCtx[]; backends: Map<Proxy, BackendCtx> } {
  const backends = new Map<Proxy, BackendCtx>();
  for (const p of runtime.proxies) {
    if (!p.config.isBackend) continue;
    const c = p.config;
    const t = c.timeouts;
    backends.set(p, {
      proxy: p,
      httpResponse: compileRules(c, c.httpResponse, runtime),
      connectTimeout: t.connect ?? 5000,
      serverTimeout: t.server ?? 0,
      queueTimeout: t.queue ?? t.connect ?? 5000,
      tunnelTimeout: t.tunnel ?? 0,
      retries: c.retries,
      redispatch: c.options.redispatch,
      reuse: c.httpReuse !== 'never',
      reuseFirst: c.httpReuse === 'aggressive' || c.httpReuse === 'always',
      serverClose: c.options.httpServerClose || c.options.httpClose,
      forwardfor: forwardFor(c),
      pools: new Map(),
    });
  }
  const frontends: FrontendCtx[] = [];
  for (const p of runtime.proxies) {
    if (!p.config.isFrontend) continue;
    const c = p.config;
    const t = c.timeouts;
    const byName = (name: string): BackendCtx | undefined => {
      const be = runtime.backend(name);
      return be ? backends.get(be) : undefined;
    };
    const routes: FrontendCtx['routes'] = [];
    for (const u of c.useBackends) {
      const be = byName(u.backend);
      if (be) routes.push({ when: compileCondition(u.cond, c.acls, runtime.config.userlists), backend: be });
    }
    const defaultBackend = c.isBackend ? backends.get(p) : c.defaultBackend ? byName(c.defaultBackend) : undefined;
    const g = runtime.config.global.tune;
    frontends.push({
      proxy: p,
      runtime,
      mode: c.mode,
      routes,
      defaultBackend,
      httpRequest: compileRules(c, c.httpRequest, runtime),
      httpResponse: c.isBackend ? [] : compileRules(c, c.httpResponse, runtime),
      clientTimeout: t.client ?? 0,
      httpRequestTimeout: t.httpRequest ?? t.client ?? 0,
      keepAliveTimeout: t.httpKeepAlive ?? t.httpRequest ?? t.client ?? 0,
      tunnelTimeout: t.tunnel ?? 0,
      httpClose: c.options.httpClose,
      serverClose: c.options.httpServerClose,
      forwardfor: forwardFor(c),
      logFormat: c.logs.length === 0 ? undefined : c.options.httplog && c.mode === 'http' ? 'http' : c.options.httplog || c.options.tcplog ? 'tcp' : undefined,
      stats: !!c.stats?.enabled,
      maxHeaders: g.httpMaxhdr || 101,
      headLimit: (g.bufsize || 16384) - (g.maxrewrite || 1024),
    });
  }
  return { frontends, backends };
}

/**
 * After a failed connect to `server` (attempt number `attempts`): count it and say what comes
 * next, as HAProxy's `retries` and `option redispatch` do. Shared by http and tcp sessions.
 * econ counts requests that found no connection after all retries, not each failed attempt.
 */
export function afterConnectFailure(be: BackendCtx, server: Server, attempts: number): 'redispatch' | 'retry' | 'give-up' {
  if (attempts > be.retries) {
    server.counters.econ++;
    be.proxy.beCounters.econ++;
    return 'give-up';
  }
  if (be.redispatch && redispatchNow(be, server, attempts)) {
    be.proxy.beCounters.wredis++;
    server.counters.wredis++;
    return 'redispatch';
  }
  be.proxy.beCounters.wretr++;
  server.counters.wretr++;
  return 'retry';
}

/** Algorithms that tie a request to one server (HAProxy's hash kind): they redispatch only late. */
const HASHED = new Set(['source', 'uri', 'url_param', 'hdr', 'rdp-cookie', 'random']);

/**
 * HAProxy 2.6 `option redispatch` leaves the failing server at once only when more than one
 * active server is usable and the algorithm is not a hash; otherwise on the last retry, or when
 * the server is no longer usable. With no other server to go to, it is a retry on the same one.
 */
function redispatchNow(be: BackendCtx, server: Server, attempts: number): boolean {
  const now = Date.now();
  let active = 0;
  let others = 0;
  for (const s of be.proxy.servers) {
    if (effectiveWeight(s.state, s.config.slowstart, now) <= 0) continue;
    if (!s.config.backup) active++;
    if (s !== server) others++;
  }
  if (others === 0) return false;
  const serverUsable = effectiveWeight(server.state, server.config.slowstart, now) > 0;
  return !serverUsable || attempts === be.retries || (active > 1 && !HASHED.has(be.proxy.config.balance.algorithm));
}

/**
 * A session starts using `server`: a server session, and a backend session unless one is open
 * already (a redispatch or a retry stays one backend session). Returns true: the backend
 * session is open.
 */
export function takeServer(be: BackendCtx, server: Server, owner: Killable, beSessionOpen: boolean, now: number): true {
  server.sessions.add(owner);
  server.counters.sessionStart(now);
  server.counters.lbtot++;
  if (!beSessionOpen) be.proxy.beCounters.sessionStart(now);
  be.proxy.beCounters.lbtot++;
  return true;
}

/**
 * The session is done with its server, if any (the slot goes to the next queued session), and,
 * unless it is redispatching, with its backend session. Returns whether a backend session is
 * still open.
 */
export function giveBackServer(be: BackendCtx | undefined, server: Server | undefined, owner: Killable, beSessionOpen: boolean, redispatching: boolean): boolean {
  if (server) {
    server.sessions.delete(owner);
    server.counters.sessionEnd();
    releaseServer(server);
  }
  if (!beSessionOpen || redispatching || !be) return beSessionOpen;
  be.proxy.beCounters.sessionEnd();
  return false;
}

/** A retry after the turn-around wait: HAProxy counts each attempt as a session of the server (stot), while the backend keeps one per request. */
export function countRetryAttempt(server: Server, now: number): void {
  server.counters.stot++;
  server.counters.sessRate.hit(now);
}

/** HAProxy 2.6 waits min(timeout connect, 1s) before trying the same server again. */
export function retryDelay(be: BackendCtx): number {
  return Math.min(be.connectTimeout || 1000, 1000);
}
