// Everything the running process knows: the config snapshot and the live objects built
// from it. A reload builds a new Runtime; operator state is carried over by name.

import type { Config } from '../config/model.js';
import { Proxy } from './proxy.js';

export interface ProcessCounters {
  /** Current and peak client connections across all frontends. */
  currConns: number;
  maxConnReached: number;
  cumConns: number;
  cumReq: number;
}

export class Runtime {
  readonly proxies: Proxy[] = [];
  readonly proxiesByName = new Map<string, Proxy>();
  readonly process: ProcessCounters = { currConns: 0, maxConnReached: 0, cumConns: 0, cumReq: 0 };
  /** Process-wide connection limit (global maxconn), changed by `set maxconn global`. */
  maxconn: number;

  constructor(
    readonly config: Config,
    readonly startMs: number,
  ) {
    this.maxconn = config.global.maxconn;
  }

  addProxy(proxy: Proxy): void {
    this.proxies.push(proxy);
    // A frontend and a backend may share a name; lookups by name want the backend side.
    const existing = this.proxiesByName.get(proxy.name);
    if (!existing || proxy.config.isBackend) this.proxiesByName.set(proxy.name, proxy);
  }

  backend(name: string): Proxy | undefined {
    if (name.startsWith('#')) {
      const id = Number(name.slice(1));
      return this.proxies.find((p) => p.id === id && p.config.isBackend);
    }
    const p = this.proxiesByName.get(name);
    return p?.config.isBackend ? p : undefined;
  }

  frontend(name: string): Proxy | undefined {
    if (name.startsWith('#')) {
      const id = Number(name.slice(1));
      return this.proxies.find((p) => p.id === id && p.config.isFrontend);
    }
    return this.proxies.find((p) => p.name === name && p.config.isFrontend);
  }
}
