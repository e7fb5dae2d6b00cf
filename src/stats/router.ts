// The stats applet: on proxies with `stats enable`, GET/HEAD/POST whose path starts with the
// `stats uri` are answered here (HTML, CSV, typed, JSON, schema, admin POST), after auth.

import type { Runtime } from '../core/runtime.js';
import type { Proxy } from '../core/proxy.js';
import type { Logger } from '../log/logger.js';
import type { Applet, AppletRequest, AppletResponse, AppletRouter } from '../proxy/applet.js';
import type { RequestFacts } from '../acl/types.js';
import { compileCondition, type Predicate } from '../acl/compile.js';
import { createControl, type Control } from '../control/commands.js';
import { StatsAuth, UNAUTHORIZED_BODY } from './auth.js';
import { AuthBackoff, DEFAULT_BACKOFF } from './backoff.js';
import { applyAdminForm, parseAdminForm, type AdminResult } from './admin.js';
import { parseStatsOptions, viewSuffix } from './request.js';
import { buildSnapshot, type Snapshot } from './snapshot.js';
import { renderCsv } from './csv.js';
import { renderJson, renderSchema, renderTyped } from './json.js';
import { renderHtml } from './html.js';
import type { SelectOptions } from './select.js';
import { crossSite } from './csrf.js';
import { statsAdminWarnings } from './warnings.js';
import { fleetOf } from '../fleet/index.js';
import { buildFleetView } from '../fleet/view.js';
import { renderFleetPage } from './fleet-page.js';

interface StatsProxy {
  auth: StatsAuth;
  admin: Predicate[];
}

const METHODS = new Set(['GET', 'HEAD', 'POST']);

/**
 * `makeControl` defaults to control/'s createControl, built on the first admin action.
 * `snapshot` gives the whole process's view when several workers serve (process/ merges them).
 */
export function createStatsRouter(
  runtime: Runtime,
  log: Logger,
  makeControl: () => Control = () => createControl(runtime, log),
  snapshot?: () => Snapshot | Promise<Snapshot>,
): AppletRouter {
  const perProxy = new Map<Proxy, StatsProxy>();
  let control: Control | undefined;
  // one table for every stats proxy of the process: a source guessing on one is slowed on all
  const backoff = new AuthBackoff();
  const getControl = (): Control => (control ??= makeControl());
  for (const px of runtime.proxies) for (const w of statsAdminWarnings(px.config)) log.event('warning', w);

  function statsProxy(px: Proxy): StatsProxy {
    let sp = perProxy.get(px);
    if (!sp) {
      const stats = px.config.stats!;
      sp = {
        auth: new StatsAuth(stats, px.config.acls, runtime.config),
        admin: stats.admin.map((c) => compileCondition(c, px.config.acls, runtime.config.userlists)),
      };
      perProxy.set(px, sp);
    }
    return sp;
  }

  function serve(px: Proxy, req: AppletRequest): AppletResponse | Promise<AppletResponse> {
    const stats = px.config.stats!;
    const sp = statsProxy(px);
    const q = req.target.indexOf('?');
    const facts: RequestFacts = {
      src: req.src,
      srcPort: req.srcPort,
      method: req.method,
      path: q < 0 ? req.target : req.target.slice(0, q),
      url: req.target,
      httpVersion: req.httpVersion,
      header: (n) => req.header(n),
    };
    const authorization = req.header('authorization');
    if (authorization !== undefined) {
      facts.authorization = authorization;
      // a source in back-off learns nothing: its credentials are not even compared
      const wait = backoff.waitMs(req.src, Date.now());
      if (wait > 0) return tooManyAttempts(wait);
    }
    const who = sp.auth.check(facts);
    if (who.challenge !== undefined) {
      if (authorization !== undefined && backoff.failed(req.src, Date.now()).crossed) {
        log.event('warning', `stats: ${DEFAULT_BACKOFF.threshold} failed logins from ${req.src} on proxy ${px.name}, its further attempts are slowed down`);
      }
      return unauthorized(who.challenge);
    }
    if (authorization !== undefined && who.user !== undefined) backoff.succeeded(req.src);
    const opts = parseStatsOptions(req.target.slice(stats.uri.length));
    const isAdmin = sp.admin.some((p) => p(facts));

    if (req.method === 'POST') {
      if (crossSite(req)) {
        log.event('warning', `stats admin request from ${req.src} refused: cross-site origin`);
        return { status: 403, headers: [['cache-control', 'no-cache'], ['content-type', 'text/plain']], body: 'Cross-site admin request refused.\n' };
      }
      let code: AdminResult;
      if (!isAdmin) code = 'DENY';
      else if (req.body.length >= runtime.config.global.tune.bufsize - runtime.config.global.tune.maxrewrite) code = 'EXCD';
      else {
        const actor = who.user !== undefined ? { via: 'page' as const, user: who.user, src: req.src } : { via: 'page' as const, src: req.src };
        code = applyAdminForm(parseAdminForm(req.body.toString('latin1')), { runtime, control: getControl, actor });
      }
      return {
        status: 303,
        headers: [
          ['cache-control', 'no-cache'],
          ['content-type', 'text/plain'],
          ['content-length', '0'],
          ['location', `${stats.uri};st=${code}${viewSuffix(opts)}`],
        ],
        body: '',
      };
    }

    const fleet = fleetOf(runtime);
    if (fleet && req.method !== 'POST' && req.target.slice(stats.uri.length).includes(';fleet')) {
      return buildFleetView(fleet).then((view) => ({
        status: 200,
        headers: [
          ['cache-control', 'no-cache'],
          ['content-type', 'text/html'],
          ['content-security-policy', "default-src 'none'; style-src 'unsafe-inline'"],
          ['x-content-type-options', 'nosniff'],
          ['x-frame-options', 'DENY'],
        ],
        body: req.method === 'HEAD' ? '' : renderFleetPage(view, stats.uri),
      }));
    }

    const select: SelectOptions = { up: opts.up, noMaint: opts.noMaint, scope: opts.scope, allowedProxies: stats.scope, legends: stats.showLegends };
    const render = (snap: Snapshot): AppletResponse => {
      const headers: [string, string][] = [['cache-control', 'no-cache']];
      // HAProxy's order: cache-control, content-type, refresh; the page's own headers follow
      const refresh: [string, string][] = stats.refreshSeconds > 0 && !opts.norefresh ? [['refresh', String(stats.refreshSeconds)]] : [];
      let body: string;
      switch (opts.format) {
        case 'csv':
          headers.push(['content-type', 'text/plain'], ...refresh);
          body = renderCsv(snap, select);
          break;
        case 'typed':
          headers.push(['content-type', 'text/plain'], ...refresh);
          body = renderTyped(snap, select);
          break;
        case 'json':
          headers.push(['content-type', 'application/json'], ...refresh);
          body = renderJson(snap, select);
          break;
        case 'json-schema':
          headers.push(['content-type', 'application/json'], ...refresh);
          body = renderSchema();
          break;
        default: {
          headers.push(['content-type', 'text/html'], ...refresh);
          const page = renderHtml(snap, { px, stats, opts, select, admin: isAdmin, user: who.user, fleet: fleet?.status() });
          headers.push(...page.headers);
          body = page.body;
        }
      }
      return { status: 200, headers, body: req.method === 'HEAD' ? '' : body };
    };
    if (!snapshot) return render(buildSnapshot(runtime, Date.now()));
    const snap = snapshot();
    return snap instanceof Promise ? snap.then(render) : render(snap);
  }

  return {
    route(px: Proxy, method: string, target: string): Applet | undefined {
      const stats = px.config.stats;
      if (!stats?.enabled || !METHODS.has(method) || !target.startsWith(stats.uri)) return undefined;
      return (req) => serve(px, req);
    },
  };
}

function unauthorized(realm: string): AppletResponse {
  return {
    status: 401,
    headers: [
      ['content-length', String(Buffer.byteLength(UNAUTHORIZED_BODY))],
      ['cache-control', 'no-cache'],
      ['content-type', 'text/html'],
      ['www-authenticate', `Basic realm="${realm}"`],
    ],
    body: UNAUTHORIZED_BODY,
  };
}


const TOO_MANY_BODY =
  '<html><body><h1>429 Too Many Requests</h1>\nYou have sent too many requests in a given amount of time.\n</body></html>\n';

/** The answer while a source is backed off: Retry-After says when its next login is checked. */
function tooManyAttempts(waitMs: number): AppletResponse {
  return {
    status: 429,
    reason: 'Too Many Requests',
    headers: [
      ['content-length', String(Buffer.byteLength(TOO_MANY_BODY))],
      ['cache-control', 'no-cache'],
      ['content-type', 'text/html'],
      ['retry-after', String(Math.ceil(waitMs / 1000))],
    ],
    body: TOO_MANY_BODY,
  };
}
