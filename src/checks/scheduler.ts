// STUB (issue 4 replaces it): run health and agent checks for every server that has them.
import type { Runtime } from '../core/runtime.js';
import type { Logger } from '../log/logger.js';

export interface CheckScheduler {
  stop(): void;
}

export function startChecks(_runtime: Runtime, _log: Logger): CheckScheduler {
  return { stop() {} };
}
