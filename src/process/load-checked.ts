import { loadConfig } from '../config/load.js';
import type { Config } from '../config/model.js';
import type { Logger } from '../log/logger.js';

/** Load and check the config, logging every diagnostic; undefined when it is broken. */
export function loadChecked(files: string[], log: Logger): Config | undefined {
  const { config, diagnostics } = loadConfig(files);
  for (const d of diagnostics) log.event(d.severity === 'alert' ? 'alert' : d.severity, `config : ${d.message}`);
  if (!config) log.event('alert', 'config : Fatal errors found in configuration.');
  return config;
}
