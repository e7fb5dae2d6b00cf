// The composition root for one serving process: build the runtime from a config and start
// every part (checks, frontends, stats page, runtime API). Only this module knows them all.

import type { Config } from '../config/model.js';
import { buildRuntime } from '../core/build.js';
import type { Runtime } from '../core/runtime.js';
import { startChecks } from '../checks/scheduler.js';
import { startFrontends } from '../proxy/frontends.js';
import { startupFinished } from '../proxy/planned-gc.js';
import type { AppletRouter } from '../proxy/applet.js';
import type { Logger } from '../log/logger.js';
import type { Snapshot } from '../stats/snapshot.js';
import { createLogger } from '../log/targets.js';
import cluster from 'node:cluster';
import { collectSnapshot } from './process-snapshot.js';

export interface RunningProcess {
  runtime: Runtime;
  /** Stop accepting, let sessions finish (graceful) or not, then release everything. */
  stop(graceful: boolean): Promise<void>;
}

/** Hooks for the process model: `beforeListen` runs once the runtime exists, before any bind. */
export interface ProcessHooks {
  beforeListen?(runtime: Runtime): void;
}

export async function runProcess(config: Config, baseLog: Logger, hooks: ProcessHooks = {}): Promise<RunningProcess> {
  // Access lines and events also go to the config's `log` targets (syslog, stdout).
  const log = createLogger(config, baseLog);
  const runtime = buildRuntime(config, Date.now());
  hooks.beforeListen?.(runtime);
  // Fleet state (or its cached last known state) is applied before any listener opens.
  // The stats page, the exporter, the API sockets and the fleet are loaded only when the config
  // uses them: unused modules still cost a data-plane process resident memory.
  const fleet = config.global.fleet ? await (await import('../fleet/index.js')).joinFleet(runtime, log) : undefined;
  // With several workers, the API and the exporter report the whole process, not one worker.
  const snapshot = cluster.isWorker ? { snapshot: () => collectSnapshot(runtime) } : {};
  const applets = usesApplets(config) ? await loadApplets(runtime, log, snapshot) : NO_APPLETS;
  const checks = startChecks(runtime, log);
  const sockets = config.global.statsSockets.length > 0 ? await (await import('../api/socket.js')).startStatsSockets(runtime, log, snapshot) : undefined;
  const dataPlane = await startFrontends(runtime, { applets, log });
  void dataPlane.settled.then(startupFinished);
  return {
    runtime,
    async stop() {
      checks.stop();
      await Promise.all([dataPlane.close(), sockets?.close(), fleet?.stop()]);
      // The last sessions' lines still wait for the end of the turn.
      log.close();
    },
  };
}

const NO_APPLETS: AppletRouter = { route: () => undefined };

/** A stats page or a `use-service` rule anywhere. */
function usesApplets(config: Config): boolean {
  return config.proxies.some((p) => p.stats !== undefined || p.httpRequest.some((r) => r.rule.action === 'use-service'));
}

async function loadApplets(runtime: Runtime, log: Logger, snapshot: { snapshot?: () => Promise<Snapshot> }): Promise<AppletRouter> {
  const [{ createStatsRouter }, { createPrometheusRouter }, { apiSnapshot }] = await Promise.all([
    import('../stats/router.js'),
    import('../api/prometheus.js'),
    import('../api/snapshot.js'),
  ]);
  const statsSnapshot = cluster.isWorker ? () => apiSnapshot(runtime, () => collectSnapshot(runtime)) : undefined;
  const routers = [createStatsRouter(runtime, log, undefined, statsSnapshot), createPrometheusRouter(runtime, snapshot)];
  return {
    route(proxy, method, target) {
      for (const r of routers) {
        const applet = r.route(proxy, method, target);
        if (applet) return applet;
      }
      return undefined;
    },
  };
}
