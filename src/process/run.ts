// The composition root for one serving process: build the runtime from a config and start
// every part (checks, frontends, stats page, runtime API). Only this module knows them all.

import type { Config } from '../config/model.js';
import { buildRuntime } from '../core/build.js';
import type { Runtime } from '../core/runtime.js';
import { startChecks } from '../checks/scheduler.js';
import { startFrontends } from '../proxy/frontends.js';
import type { AppletRouter } from '../proxy/applet.js';
import { createStatsRouter } from '../stats/router.js';
import { createPrometheusRouter } from '../api/prometheus.js';
import { startStatsSockets } from '../api/socket.js';
import type { Logger } from '../log/logger.js';
import { createLogger } from '../log/targets.js';
import { joinFleet } from '../fleet/index.js';
import cluster from 'node:cluster';
import { collectSnapshot } from './process-snapshot.js';
import { apiSnapshot } from '../api/snapshot.js';

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
  const fleet = await joinFleet(runtime, log);
  // With several workers, the API and the exporter report the whole process, not one worker.
  const snapshot = cluster.isWorker ? { snapshot: () => collectSnapshot(runtime) } : {};
  const statsSnapshot = cluster.isWorker ? () => apiSnapshot(runtime, () => collectSnapshot(runtime)) : undefined;
  const routers = [createStatsRouter(runtime, log, undefined, statsSnapshot), createPrometheusRouter(runtime, snapshot)];
  const applets: AppletRouter = {
    route(proxy, method, target) {
      for (const r of routers) {
        const applet = r.route(proxy, method, target);
        if (applet) return applet;
      }
      return undefined;
    },
  };
  const checks = startChecks(runtime, log);
  const sockets = await startStatsSockets(runtime, log, snapshot);
  const dataPlane = await startFrontends(runtime, { applets, log });
  return {
    runtime,
    async stop() {
      checks.stop();
      await Promise.all([dataPlane.close(), sockets.close(), fleet?.stop()]);
    },
  };
}
