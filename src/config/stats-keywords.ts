// `stats ...` inside proxies: the statistics page settings.
import { parseCondition } from './condition.js';
import { at, atTight } from './diagnostics.js';
import type { SourceRef } from './model.js';
import { defaultStats } from './proxy-defaults.js';
import { unimplementedFetch, type ProxyDraft, type ProxyParseContext } from './draft.js';
import { parseHttpRule } from './http-rules.js';
import { parseTime } from './units.js';

export function parseStatsKeyword(words: string[], where: SourceRef, d: ProxyDraft, ctx: ProxyParseContext): void {
  const cfg = d.cfg;
  const p = at(where);
  const alert = (m: string) => ctx.diags.alert(m, where);
  const sub = words[1] ?? '';
  // A proxy's own stats lines replace what it inherited from defaults.
  if (!d.isDefaults && !d.ownStats) {
    cfg.stats = undefined;
    d.ownStats = true;
  }
  const stats = () => (cfg.stats ??= defaultStats());
  const enable = () => {
    const s = stats();
    s.enabled = true;
    return s;
  };

  switch (sub) {
    case 'admin': {
      if (d.isDefaults) {
        alert(`${atTight(where)}'stats admin' not allowed in 'defaults' section.`);
        return;
      }
      if (words[2] !== 'if' && words[2] !== 'unless') {
        alert(`${p}'stats admin' requires either 'if' or 'unless' followed by a condition.`);
        return;
      }
      const r = parseCondition(words.slice(2), where, d.aclNames, ctx.readPatternFile, unimplementedFetch(ctx, where));
      if (!r.ok) {
        alert(`${p}error detected while parsing a 'stats admin' rule : ${r.error}`);
        return;
      }
      if (!cfg.stats) {
        cfg.stats = defaultStats();
        cfg.stats.enabled = false;
      }
      cfg.stats.admin.push(r.cond);
      return;
    }
    case 'http-request': {
      if (d.isDefaults) {
        alert(`${atTight(where)}'stats' not allowed in 'defaults' section.`);
        return;
      }
      if (d.statsRuleWithoutCond) ctx.diags.warning(`${atTight(where)}previous 'stats' action has no condition attached, further entries are NOOP.`, where);
      const rule = parseHttpRule(words.slice(1), where, d, ctx, cfg.name, cfg.section);
      if (!rule) return;
      if (!rule.cond) d.statsRuleWithoutCond = true;
      if (!cfg.stats) {
        cfg.stats = defaultStats();
        cfg.stats.enabled = false;
      }
      cfg.stats.httpRequest.push(rule);
      return;
    }
    case 'enable':
      enable();
      return;
    case 'uri':
      if (!words[2]) alert(`${p}'uri' needs an URI prefix.`);
      else enable().uri = words[2];
      return;
    case 'realm':
      if (!words[2]) alert(`${p}'realm' needs an realm name.`);
      else enable().realm = words[2];
      return;
    case 'auth': {
      const acct = words[2];
      if (!acct) {
        alert(`${p}'auth' needs a user:password account.`);
        return;
      }
      // HAProxy 2.6 accepts an account without ':'; it becomes a user with an empty password.
      const colon = acct.indexOf(':');
      enable().auth.push(colon < 0 ? { user: acct, password: '' } : { user: acct.slice(0, colon), password: acct.slice(colon + 1) });
      return;
    }
    case 'refresh': {
      const t = parseTime(words[2] ?? '', 1000);
      if (!t.ok) alert(`${atTight(where)}unexpected character '${t.badChar}' in argument to stats refresh interval.`);
      else enable().refreshSeconds = Math.ceil(t.value / 1000);
      return;
    }
    case 'scope':
      if (!words[2]) alert(`${p}'scope' needs a proxy name.`);
      else enable().scope.push(words[2] === '.' && !d.isDefaults ? cfg.name : words[2]);
      return;
    case 'hide-version':
      enable().hideVersion = true;
      return;
    case 'show-legends':
      enable().showLegends = true;
      return;
    case 'show-modules':
      enable().showModules = true;
      return;
    case 'show-node':
      // An empty node name is replaced by the global node once everything is parsed.
      enable().showNode = words[2] ?? '';
      return;
    case 'show-desc': {
      const text = words.slice(2).join(' ');
      if (text === '' && ctx.global.description === undefined) ctx.diags.warning(`${atTight(where)}'show-desc' requires a parameter or 'desc' to be set in the global section.`, where);
      enable().showDesc = text;
      return;
    }
  }
  alert(`${atTight(where)}unknown stats parameter '${sub}', expects 'admin', 'uri', 'realm', 'auth', 'scope', 'enable', 'hide-version', 'show-node', 'show-desc' or 'show-legends'.`);
}
