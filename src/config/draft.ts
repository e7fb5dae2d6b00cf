// The per-section parse state shared by the proxy keyword parsers.
import { at, type Diagnostics } from './diagnostics.js';
import type { GlobalConfig, ProxyConfig, SourceRef, Userlist } from './model.js';
import { notImplementedMessage } from './not-implemented.js';
import type { ServerParams } from './server.js';

export interface ProxyDraft {
  cfg: ProxyConfig;
  isDefaults: boolean;
  defaultServer: ServerParams;
  aclNames: Set<string>;
  maxconnSet: boolean;
  logGlobal: boolean;
  /** server name → line, for duplicate detection after parsing */
  serverLines: Map<string, number>;
  /** servers whose address is a host name still to resolve */
  hostnames: { server: string; host: string; where: SourceRef }[];
  forcedId: number | undefined;
  /** forced server ids, applied when numbering */
  forcedServerIds?: Map<string, number>;
  duplicateServers?: { name: string; where: SourceRef; prevLine: number }[];
  /** set once the proxy has its own `stats` lines (they replace the inherited ones) */
  ownStats?: boolean;
  /** a `stats http-request` rule without condition was seen */
  statsRuleWithoutCond?: boolean;
  /** TCP/HTTP rule kinds a (named) defaults section defines; they restrict who may inherit it */
  ruleKinds: Set<'http' | 'tcp-request-session' | 'tcp-request-content' | 'tcp-response'>;
  /** for defaults sections: which kinds of proxies already inherited from it */
  inheritedBy?: { frontend: boolean; backend: boolean };
  /** `track-scN` rules, checked against stick tables after parsing */
  trackScRules: { counter: string; table?: string; where: SourceRef }[];
  hasStickTable?: boolean;
  /** `srv_*(<server>)` fetches in a defaults section: no backend to find the server in */
  /** `%[srv_*(<[backend/]server>)]` in rules, resolved after parsing */
  serverFetches: { fetch: string; arg: string; rule: string; where: SourceRef }[];
  /** a defaults section named by some `from`; it may then not also be used implicitly */
  explicitlyUsed?: boolean;
}

export interface ProxyParseContext {
  diags: Diagnostics;
  global: GlobalConfig;
  readPatternFile: (path: string) => string | undefined;
  userlists: Record<string, Userlist>;
  resolveHost: (host: string, family: 4 | 6) => string | undefined;
}

/** Warns about a fetch HAProxy has but Switchyard does not evaluate. */
export function unimplementedFetch(ctx: ProxyParseContext, where: SourceRef): (fetch: string) => void {
  return (fetch) => ctx.diags.warning(`${at(where)}${notImplementedMessage(`fetch ${fetch}`)}`, where);
}
