// `http-request use-service prometheus-exporter [if <cond>]`: the frontend answers the
// request itself with the metrics of the whole process. The condition is evaluated on what
// is known when the route is chosen (method, path, URL). `?scope=` selects object kinds as
// HAProxy's exporter does (repeatable, `*` = all; default all).

import { compileCondition, type Predicate } from '../acl/compile.js';
import type { Proxy } from '../core/proxy.js';
import type { Runtime } from '../core/runtime.js';
import type { AppletRouter, AppletResponse } from '../proxy/applet.js';
import type { Snapshot } from '../stats/snapshot.js';
import { apiSnapshot } from './snapshot.js';
import { renderMetrics, type Scope } from './metrics.js';

const ALL: readonly Scope[] = ['process', 'frontend', 'backend', 'server'];

function scopesOf(target: string): Set<Scope> | undefined {
  const q = target.indexOf('?');
  const wanted = new URLSearchParams(q < 0 ? '' : target.slice(q + 1)).getAll('scope');
  if (wanted.length === 0) return new Set(ALL);
  const out = new Set<Scope>();
  for (const w of wanted) {
    if (w === '*') ALL.forEach((s) => out.add(s));
    else if ((ALL as readonly string[]).includes(w)) out.add(w as Scope);
    else if (w !== '') return undefined;
  }
  return out;
}

export interface PrometheusOptions {
  /** Process-wide snapshot when several workers serve (see process/process-snapshot.ts). */
  snapshot?: () => Promise<Snapshot>;
}

export function createPrometheusRouter(runtime: Runtime, opts: PrometheusOptions = {}): AppletRouter {
  const rules = new Map<Proxy, Predicate[]>();
  const listeners =
    runtime.proxies.reduce((n, p) => n + (p.config.isFrontend ? p.config.binds.length : 0), 0) +
    runtime.config.global.statsSockets.length;

  function predicates(px: Proxy): Predicate[] {
    let list = rules.get(px);
    if (!list) {
      list = [];
      for (const r of px.config.httpRequest) {
        if (r.rule.action !== 'use-service' || r.rule.service !== 'prometheus-exporter') continue;
        list.push(r.cond ? compileCondition(r.cond, px.config.acls, runtime.config.userlists) : () => true);
      }
      rules.set(px, list);
    }
    return list;
  }

  function serve(target: string, head: boolean): AppletResponse | Promise<AppletResponse> {
    const scopes = scopesOf(target);
    if (!scopes) {
      return { status: 400, headers: [['content-type', 'text/plain'], ['cache-control', 'no-cache']], body: 'Invalid scope parameter.\n' };
    }
    const respond = (snap: Snapshot): AppletResponse => ({
      status: 200,
      headers: [['content-type', 'text/plain; version=0.0.4'], ['cache-control', 'no-cache']],
      body: head ? '' : renderMetrics(snap, scopes, listeners),
    });
    const snap = apiSnapshot(runtime, opts.snapshot);
    return snap instanceof Promise ? snap.then(respond) : respond(snap);
  }

  return {
    route(proxy, method, target) {
      const list = predicates(proxy);
      if (list.length === 0) return undefined;
      const q = target.indexOf('?');
      const facts = { src: '', method, path: q < 0 ? target : target.slice(0, q), url: target };
      if (!list.some((p) => p(facts))) return undefined;
      return () => serve(target, method === 'HEAD');
    },
  };
}
