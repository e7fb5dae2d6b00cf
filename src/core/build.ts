// Builds the live objects from a config: a Proxy per proxy section, a Server per server line
// in its initial state, `track` links, and a Balancer per backend.

import type { Config } from '../config/model.js';
import { createBalancer } from './balance/algorithms.js';
import { Proxy } from './proxy.js';
import { Runtime } from './runtime.js';
import { Server } from './server.js';
import { finishServer, initialServerParams } from '../config/server.js';
import { effectiveWeight, initialServerState, transition } from './server-state.js';

export function buildRuntime(config: Config, nowMs: number): Runtime {
  const runtime = new Runtime(config, nowMs);
  for (const pc of config.proxies) {
    const proxy = new Proxy(pc, nowMs);
    for (const sc of pc.servers) {
      const state = initialServerState(
        {
          check: sc.check && !sc.track, agent: sc.agentCheck, rise: sc.rise, fall: sc.fall,
          weight: sc.weight, disabled: sc.disabled,
        },
        nowMs,
      );
      proxy.addServer(new Server(sc, proxy, state));
    }
    if (pc.dispatch && pc.servers.length === 0) {
      const sc = finishServer('<dispatch>', 0, pc.dispatch, initialServerParams(), pc.where);
      proxy.dispatch = new Server(sc, proxy, initialServerState({ check: false, agent: false, rise: sc.rise, fall: sc.fall, weight: sc.weight, disabled: false }, nowMs));
    }
    runtime.addProxy(proxy);
  }
  for (const proxy of runtime.proxies) {
    for (const server of proxy.servers) {
      const t = server.config.track;
      if (!t) continue;
      const ref = runtime.backend(t.backend)?.serversByName.get(t.server);
      if (!ref || ref === server) continue;
      server.tracked = ref;
      ref.trackers.push(server);
    }
  }
  // Trackers start as their tracked server is (a chain settles in at most its length passes).
  for (const proxy of runtime.proxies) {
    for (const server of proxy.servers) {
      let s: Server | undefined = server;
      const chain: Server[] = [];
      while (s?.tracked && !chain.includes(s)) {
        chain.unshift(s);
        s = s.tracked;
      }
      for (const tr of chain) {
        const ctx = { slowstartMs: 0, onMarkedDownShutdownSessions: false };
        tr.state = { ...transition(tr.state, { type: 'tracked', ref: tr.tracked!.state }, nowMs, ctx).state, lastChangeMs: nowMs };
      }
    }
  }
  for (const proxy of runtime.proxies) {
    if (!proxy.config.isBackend) continue;
    proxy.balancer = createBalancer(proxy);
    proxy.balancer.update(nowMs);
    // A backend built with no usable server is down from the start; that is no loss to count.
    const usable = proxy.servers.some((s) => effectiveWeight(s.state, s.config.slowstart, nowMs) > 0);
    if (proxy.servers.length > 0 && !usable) proxy.downSinceMs = nowMs;
  }
  return runtime;
}
