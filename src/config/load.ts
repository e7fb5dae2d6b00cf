// STUB (issue 2 replaces it): read config files into the typed model with diagnostics.
import type { Config, Diagnostic } from './model.js';

export interface LoadResult {
  config?: Config; // undefined when there are alerts
  diagnostics: Diagnostic[];
}

export function loadConfig(_paths: string[], _env: NodeJS.ProcessEnv = process.env): LoadResult {
  throw new Error('loadConfig: not implemented yet');
}
