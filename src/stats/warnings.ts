// Start-up warnings for risky stats admin set-ups: admin actions without any authentication,
// or granted unconditionally (`if TRUE`) on a listener reachable from other hosts.

import type { Condition } from '../acl/types.js';
import type { Address, ProxyConfig } from '../config/model.js';

function always(c: Condition): boolean {
  if (c.unless) {
    return c.anyOf.length === 1 && c.anyOf[0]!.length === 1 && c.anyOf[0]![0]!.ref.kind === 'named' && c.anyOf[0]![0]!.ref.name === 'FALSE' && !c.anyOf[0]![0]!.negate;
  }
  return c.anyOf.some((g) => g.length === 1 && !g[0]!.negate && g[0]!.ref.kind === 'named' && g[0]!.ref.name === 'TRUE');
}

function loopback(a: Address): boolean {
  if (a.kind !== 'inet') return true;
  return /^127\./.test(a.host) || a.host === '::1' || a.host === 'localhost';
}

export function statsAdminWarnings(px: ProxyConfig): string[] {
  const s = px.stats;
  if (!s?.enabled || s.admin.length === 0) return [];
  const out: string[] = [];
  const hasAuth = s.auth.length > 0 || s.httpRequest.some((r) => r.rule.action === 'auth');
  if (!hasAuth) out.push(`proxy '${px.name}': stats admin is enabled without 'stats auth': anyone who reaches the page can change server states.`);
  if (s.admin.some(always) && px.binds.some((b) => !loopback(b.address))) {
    out.push(`proxy '${px.name}': 'stats admin if TRUE' on a listener reachable from other hosts; consider 'stats admin if LOCALHOST' or a source network.`);
  }
  return out;
}
