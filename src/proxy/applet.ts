// Applets answer HTTP requests inside Switchyard instead of forwarding them (the stats page,
// the Prometheus exporter). The data plane knows only this interface; process/ wires the
// implementations in, so proxy/ never imports stats/ or api/.

import type { Proxy } from '../core/proxy.js';

export interface AppletRequest {
  method: string;
  /** Request target as received (path + query), e.g. `/stats;csv?scope=app`. */
  target: string;
  httpVersion: '1.0' | '1.1';
  /** Header lookup by lower-case name (first value). */
  header(name: string): string | undefined;
  /** Request body, fully read (bounded by tune.bufsize). */
  body: Buffer;
  src: string;
  srcPort: number;
  /** true when the client connected over TLS (never, for now). */
  secure: boolean;
}

export interface AppletResponse {
  status: number;
  reason?: string;
  headers: [string, string][];
  body: string | Buffer;
}

export type Applet = (req: AppletRequest) => AppletResponse | Promise<AppletResponse>;

/** Looks up the applet a request should go to, or undefined to forward it normally. */
export interface AppletRouter {
  /** Called for every HTTP request on a frontend whose proxy has stats enabled or use-service rules. */
  route(proxy: Proxy, method: string, target: string): Applet | undefined;
}
