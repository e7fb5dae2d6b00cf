// Who may see the stats page: `stats auth user:pass` lines and `stats http-request auth`
// rules (usually `unless { http_auth(<userlist>) }`). Passwords compare in constant time.

import { timingSafeEqual } from 'node:crypto';
import type { Config, HttpRule, StatsConfig } from '../config/model.js';
import type { AclDefinition, RequestFacts } from '../acl/types.js';
import { compileCondition, type Predicate } from '../acl/compile.js';

export interface Credentials {
  user: string;
  password: string;
}

/** Decode `Authorization: Basic <b64>`; undefined when absent or malformed. */
export function basicCredentials(header: string | undefined): Credentials | undefined {
  if (!header) return undefined;
  const m = /^\s*basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Equal-time comparison: the time taken does not depend on where the texts differ. */
function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  // compare against itself when lengths differ, so the work done stays the same
  return timingSafeEqual(x, x.length === y.length ? y : x) && x.length === y.length;
}

export interface AuthDecision {
  /** undefined = allowed; otherwise the realm to ask for. */
  challenge?: string;
  /** The authenticated user, when there was one. */
  user?: string;
}

interface AuthRule {
  realm?: string;
  when: Predicate;
}

export class StatsAuth {
  private readonly rules: AuthRule[];

  constructor(
    private readonly stats: StatsConfig,
    acls: Record<string, AclDefinition[]>,
    config: Config,
  ) {
    this.rules = stats.httpRequest
      .filter((r: HttpRule) => r.rule.action === 'auth')
      .map((r) => {
        const when: Predicate = r.cond ? compileCondition(r.cond, acls, config.userlists) : () => true;
        const rule: AuthRule = { when };
        if (r.rule.action === 'auth' && r.rule.realm !== undefined) rule.realm = r.rule.realm;
        return rule;
      });
  }

  check(facts: RequestFacts): AuthDecision {
    const creds = basicCredentials(facts.authorization);
    if (this.stats.auth.length > 0) {
      let user: string | undefined;
      for (const u of this.stats.auth) {
        // check every entry so the time does not tell which user matched
        const ok = creds !== undefined && sameSecret(creds.user, u.user) && sameSecret(creds.password, u.password);
        if (ok && user === undefined) user = u.user;
      }
      if (user === undefined) return { challenge: this.stats.realm };
      return { user };
    }
    for (const r of this.rules) {
      if (r.when(facts)) return { challenge: r.realm ?? this.stats.realm };
    }
    const decision: AuthDecision = {};
    if (creds && this.rules.length > 0) decision.user = creds.user;
    return decision;
  }
}

export const UNAUTHORIZED_BODY =
  '<html><body><h1>401 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n';
