// Wiring for the composition root: with a `fleet` line in global, join the fleet before the
// listeners open (prepare), then keep in sync in the background (start). Without it, nothing.

import type { Config } from '../config/model.js';
import { createControl } from '../control/commands.js';
import type { Runtime } from '../core/runtime.js';
import type { Logger } from '../log/logger.js';
import { FleetMember } from './member.js';

/**
 * The address peers read this instance's stats at (the first stats-enabled proxy's first inet
 * bind), and the first stats user as `user:password` to read peers with (one config per fleet).
 */
export function statsUrlOf(config: Config): { url: string; auth?: string } | undefined {
  for (const p of config.proxies) {
    if (!p.stats?.enabled) continue;
    for (const b of p.binds) {
      if (b.address.kind !== 'inet') continue;
      const any = b.address.host === '' || b.address.host === '0.0.0.0' || b.address.host === '::';
      const host = any ? '127.0.0.1' : b.address.family === 6 ? `[${b.address.host}]` : b.address.host;
      const url = `http://${host}:${b.address.port}${p.stats.uri}`;
      const user = p.stats.auth[0];
      return user ? { url, auth: `${user.user}:${user.password}` } : { url };
    }
  }
  return undefined;
}

const members = new WeakMap<Runtime, FleetMember>();

/** The fleet membership of a runtime, for `show fleet`, `show info` and the stats page. */
export function fleetOf(runtime: Runtime): FleetMember | undefined {
  return members.get(runtime);
}

/**
 * Call before opening listeners: applies the fleet's state (or the cached last known state when
 * etcd is down), then starts watching. Returns undefined when the config has no fleet.
 */
export async function joinFleet(runtime: Runtime, log: Logger): Promise<FleetMember | undefined> {
  const cfg = runtime.config.global.fleet;
  if (!cfg) return undefined;
  const stats = statsUrlOf(runtime.config);
  const member = new FleetMember(runtime, createControl(runtime, log), log, {
    endpoints: cfg.endpoints,
    prefix: cfg.prefix,
    node: runtime.config.global.node,
    ...(stats ? { statsUrl: stats.url } : {}),
    ...(stats?.auth ? { statsAuth: stats.auth } : {}),
  });
  members.set(runtime, member);
  await member.prepare();
  member.start();
  return member;
}
