// STUB (issue 3 replaces it): open every frontend's binds and carry traffic.
import type { Runtime } from '../core/runtime.js';
import type { Logger } from '../log/logger.js';
import type { AppletRouter } from './applet.js';

export interface DataPlane {
  /** Stop accepting; resolve when listeners are closed (sessions may still run). */
  close(): Promise<void>;
}

export async function startFrontends(_runtime: Runtime, _deps: { applets: AppletRouter; log: Logger }): Promise<DataPlane> {
  throw new Error('startFrontends: not implemented yet');
}
