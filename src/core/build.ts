// STUB (issue 4 replaces it): build the live objects from a config.
import type { Config } from '../config/model.js';
import { Runtime } from './runtime.js';

export function buildRuntime(config: Config, nowMs: number): Runtime {
  return new Runtime(config, nowMs);
}
