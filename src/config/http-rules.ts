// `http-request` / `http-response` rules (also used by `stats http-request`).
import type { Condition } from '../acl/types.js';
import { parseCondition } from './condition.js';
import { at, atTight } from './diagnostics.js';
import type { HeaderRuleAction, HttpRule, SourceRef } from './model.js';
import { NOT_IMPLEMENTED_HTTP_ACTIONS, notImplementedMessage } from './not-implemented.js';
import { unimplementedFetch, type ProxyDraft, type ProxyParseContext } from './draft.js';

const HTTP_REQUEST_ACTIONS_LIST =
  "'wait-for-handshake', 'ot-group', 'set-log-level', 'set-nice', 'use-service', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'do-resolve(*)', 'cache-use', 'add-acl(*)', 'add-header', 'allow', 'auth', 'capture', 'del-acl(*)', 'del-header', 'del-map(*)', 'deny', 'disable-l7-retry', 'early-hint', 'normalize-uri', 'redirect', 'reject', 'replace-header', 'replace-path', 'replace-pathq', 'replace-uri', 'replace-value', 'return', 'set-header', 'set-map(*)', 'set-method', 'set-path', 'set-pathq', 'set-query', 'set-uri', 'strict-mode', 'tarpit', 'track-sc(*)', 'set-timeout', 'wait-for-body', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-dst', 'set-dst-port', 'set-mark', 'set-src', 'set-src-port', 'set-tos', 'silent-drop', 'set-priority-class', 'set-priority-offset'";
const HTTP_RESPONSE_ACTIONS_LIST =
  "'set-log-level', 'set-nice', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'cache-store', 'add-acl(*)', 'add-header', 'allow', 'capture', 'del-acl(*)', 'del-header', 'del-map(*)', 'deny', 'redirect', 'replace-header', 'replace-value', 'return', 'set-header', 'set-map(*)', 'set-status', 'strict-mode', 'track-sc(*)', 'wait-for-body', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-mark', 'set-tos', 'silent-drop'";

/** `http-request|http-response <action> [args] [if|unless <cond>]`; also used by `stats http-request`. */
export function parseHttpRule(words: string[], where: SourceRef, d: ProxyDraft, ctx: ProxyParseContext, proxyName: string, sectionName: string): HttpRule | undefined {
  const p = at(where);
  const kw = words[0];
  const action = words[1] ?? '';
  const condIdx = words.findIndex((w, i) => i >= 2 && (w === 'if' || w === 'unless'));
  const args = words.slice(2, condIdx < 0 ? undefined : condIdx);
  const ruleErr = (m: string) => {
    ctx.diags.alert(`${p}error detected in ${sectionName} '${proxyName}' while parsing '${kw} ${action}' rule : ${m}`, where);
    ctx.diags.aborted = true;
  };
  let rule: HeaderRuleAction | undefined;
  switch (action) {
    case 'allow':
      rule = { action: 'allow' };
      break;
    case 'deny': {
      let status = kw === 'http-response' ? 502 : 403;
      for (let i = 0; i < args.length; i++) {
        if (args[i] === 'deny_status') status = Number(args[++i]);
        else if (args[i] === 'status') status = Number(args[++i]);
      }
      rule = { action: 'deny', status };
      break;
    }
    case 'auth': {
      let realm: string | undefined;
      if (args[0] === 'realm') realm = args[1];
      rule = { action: 'auth', realm };
      break;
    }
    case 'redirect': {
      // Options come in any order: location|prefix|scheme <target>, code <n>, and flags.
      let type: 'location' | 'prefix' | 'scheme' | undefined;
      let target = '';
      let code = 302;
      for (let i = 0; i < args.length; i++) {
        const a = args[i];
        if (a === 'location' || a === 'prefix' || a === 'scheme') {
          type = a;
          target = args[++i] ?? '';
        } else if (a === 'code') code = Number(args[++i]);
        else if (a === 'set-cookie' || a === 'clear-cookie') i++;
        else if (a !== 'drop-query' && a !== 'append-slash' && a !== 'ignore-empty') {
          ruleErr(`expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was '${a}').`);
          return undefined;
        }
      }
      if (type === undefined || target === '') {
        ruleErr(`expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was '').`);
        return undefined;
      }
      rule = { action: 'redirect', type, target, code };
      break;
    }
    case 'set-header':
    case 'add-header': {
      if (args.length !== 2) {
        ruleErr('expects exactly 2 arguments.');
        return undefined;
      }
      // Server fetches name `[backend/]server`; they are resolved once every proxy is known.
      for (const m of args[1].matchAll(/%\[(srv_[a-z_]+)\(([^),]*)\)/g)) d.serverFetches.push({ fetch: m[1], arg: m[2], rule: kw, where });
      rule = { action, name: args[0], value: args[1] };
      break;
    }
    case 'del-header':
      if (args.length < 1) {
        ruleErr('expects at least 1 argument.');
        return undefined;
      }
      rule = { action: 'del-header', name: args[0] };
      break;
    case 'use-service':
      if (!args[0]) {
        ruleErr("expects a service reference.");
        return undefined;
      }
      rule = { action: 'use-service', service: args[0] };
      break;
    default: {
      const base = action.replace(/\(.*\)$/, '');
      const track = /^track-sc(\d)$/.exec(base);
      if (track) {
        const ti = args.indexOf('table');
        d.trackScRules.push({ counter: base, table: ti >= 0 ? args[ti + 1] : undefined, where });
      }
      if (NOT_IMPLEMENTED_HTTP_ACTIONS.has(base) || /^(track-sc\d|sc-inc-gpc\d?|sc-set-gpt\d?|lua\..+)$/.test(base)) {
        ctx.diags.warning(`${p}${notImplementedMessage(`${kw} ${base}`)}`, where);
        return undefined;
      }
      const list = kw === 'http-response' ? HTTP_RESPONSE_ACTIONS_LIST : HTTP_REQUEST_ACTIONS_LIST;
      ctx.diags.alert(`${atTight(where)}'${kw}' expects ${list}, but got '${action}'.`, where);
      ctx.diags.aborted = true;
      return undefined;
    }
  }
  let cond: Condition | undefined;
  if (condIdx >= 0) {
    const r = parseCondition(words.slice(condIdx), where, d.aclNames, ctx.readPatternFile, unimplementedFetch(ctx, where));
    if (!r.ok) {
      ctx.diags.alert(`${p}error detected while parsing an '${kw} ${action}' condition : ${r.error}`, where);
      ctx.diags.aborted = true;
      return undefined;
    }
    cond = r.cond;
  }
  return { rule, cond, where };
}
