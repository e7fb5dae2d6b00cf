// STUB (issue 5 replaces it): route requests on stats-enabled proxies to the stats applet.
import type { Runtime } from '../core/runtime.js';
import type { Logger } from '../log/logger.js';
import type { AppletRouter } from '../proxy/applet.js';

export function createStatsRouter(_runtime: Runtime, _log: Logger): AppletRouter {
  return { route: () => undefined };
}
