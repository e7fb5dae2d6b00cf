// STUB (issue 6 replaces it): the runtime API on every `stats socket`.
import type { Runtime } from '../core/runtime.js';
import type { Logger } from '../log/logger.js';

export interface ApiSockets {
  close(): Promise<void>;
}

export async function startStatsSockets(_runtime: Runtime, _log: Logger): Promise<ApiSockets> {
  return { async close() {} };
}
