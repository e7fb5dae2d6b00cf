// STUB (issue 6 replaces it): `http-request use-service prometheus-exporter` applet.
import type { Runtime } from '../core/runtime.js';
import type { AppletRouter } from '../proxy/applet.js';

export function createPrometheusRouter(_runtime: Runtime): AppletRouter {
  return { route: () => undefined };
}
