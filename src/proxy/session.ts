// What every client session needs from the listener side, and client address helpers.

import type net from 'node:net';
import type { Logger } from '../log/logger.js';
import type { AppletRouter } from './applet.js';
import type { Clock } from './clock.js';
import type { FrontendCtx } from './context.js';

export interface SessionEnv {
  clock: Clock;
  log: Logger;
  applets: AppletRouter;
  /** A client connection ended: frees its frontend and process slots. */
  sessionEnded(fe: FrontendCtx): void;
}

/** Client IP and port as HAProxy shows them (IPv4-mapped IPv6 unwrapped; unix sockets as `unix:<n>`). */
export function clientAddress(sock: net.Socket): { ip: string; port: number } {
  const ip = sock.remoteAddress;
  if (!ip) return { ip: 'unix', port: 0 };
  return { ip: ip.startsWith('::ffff:') ? ip.slice(7) : ip, port: sock.remotePort ?? 0 };
}
