// Keywords of defaults / frontend / backend / listen sections.
import type { Condition } from '../acl/types.js';
import { parseAddress } from './address.js';
import { parseCondition, parseCriterion } from './condition.js';
import { at, atBare, atTight } from './diagnostics.js';
import { unimplementedFetch, type ProxyDraft, type ProxyParseContext } from './draft.js';
import { parseHttpRule } from './http-rules.js';
import type { BalanceAlgorithm, ProxyConfig, SourceRef } from './model.js';
import { NOT_IMPLEMENTED_PROXY_KEYWORDS, notImplementedMessage } from './not-implemented.js';
import { parseLogTarget } from './log-target.js';
import { parseHttpCheck, parseOption } from './options.js';
import { applyServerParams, finishServer, parseServerLine } from './server.js';
import { parseStatsKeyword } from './stats-keywords.js';
import { suggestion } from './suggest.js';
import { atol, parseTime } from './units.js';

const TIMEOUTS: Record<string, keyof ProxyConfig['timeouts'] | null> = {
  client: 'client',
  server: 'server',
  connect: 'connect',
  check: 'check',
  queue: 'queue',
  'http-keep-alive': 'httpKeepAlive',
  'http-request': 'httpRequest',
  tunnel: 'tunnel',
  tarpit: null,
  'client-fin': 'clientFin',
  'server-fin': 'serverFin',
};

/** `bind` line options HAProxy 2.6 knows, kept in Bind.params. */
const BIND_FLAGS = new Set([
  'accept-proxy', 'transparent', 'v4v6', 'v6only', 'ssl', 'defer-accept', 'tfo', 'allow-0rtt', 'strict-sni', 'prefer-client-ciphers',
  'no-sslv3', 'no-tlsv10', 'no-tlsv11', 'no-tlsv12', 'no-tlsv13', 'no-ca-names', 'quic-force-retry', 'generate-certificates', 'force-sslv3',
  'force-tlsv10', 'force-tlsv11', 'force-tlsv12', 'force-tlsv13', 'no-tls-tickets',
]);
const BIND_WITH_VALUE = new Set([
  'name', 'id', 'maxconn', 'backlog', 'mss', 'interface', 'namespace', 'nice', 'process', 'thread', 'shards', 'proto', 'tcp-ut', 'mode',
  'uid', 'gid', 'user', 'group', 'level', 'severity-output', 'expose-fd', 'accept-netscaler-cip', 'crt', 'crt-list', 'ca-file', 'ca-sign-file',
  'ca-sign-pass', 'ca-verify-file', 'crl-file', 'ciphers', 'ciphersuites', 'curves', 'ecdhe', 'alpn', 'npn', 'verify', 'ssl-min-ver',
  'ssl-max-ver', 'tls-ticket-keys', 'sigalgs', 'client-sigalgs', 'quic-cc-algo', 'crt-ignore-err', 'ca-ignore-err',
]);

/** Keywords taking at most this many arguments; more is an error in HAProxy. */
const PROXY_MAX_ARGS: Record<string, number> = {
  mode: 1,
  retries: 1,
  maxconn: 1,
  backlog: 1,
  fullconn: 1,
  disabled: 0,
  enabled: 0,
  'monitor-uri': 1,
  id: 1,
  dispatch: 1,
  default_backend: 1,
  'http-reuse': 1,
};

const BALANCE: readonly BalanceAlgorithm[] = ['roundrobin', 'static-rr', 'leastconn', 'first', 'source', 'uri', 'url_param', 'random'];

type Cap = 'fe' | 'be' | 'both';
/** Keywords that need a capability; defaults allowed unless listed in NOT_IN_DEFAULTS. */
const CAPS: Record<string, Cap> = {
  bind: 'fe',
  maxconn: 'fe',
  backlog: 'fe',
  default_backend: 'fe',
  use_backend: 'fe',
  'monitor-uri': 'fe',
  'timeout client': 'fe',
  server: 'be',
  'default-server': 'be',
  balance: 'be',
  fullconn: 'be',
  retries: 'be',
  cookie: 'be',
  dispatch: 'be',
  'http-check': 'be',
  'http-reuse': 'be',
  'timeout server': 'be',
  'timeout connect': 'be',
  'timeout check': 'be',
  'timeout queue': 'be',
};
const NOT_IN_DEFAULTS = new Set(['bind', 'server', 'use_backend', 'id', 'dispatch', 'description']);

export function parseProxyKeyword(words: string[], where: SourceRef, d: ProxyDraft, ctx: ProxyParseContext): void {
  const { diags } = ctx;
  const cfg = d.cfg;
  const kw = words[0];
  const p = at(where);
  const alert = (m: string) => diags.alert(m, where);
  const warn = (m: string) => diags.warning(m, where);
  const sectionName = d.isDefaults ? 'defaults' : cfg.section;
  const typeName = cfg.section;

  if (d.isDefaults && NOT_IN_DEFAULTS.has(kw)) {
    alert(`${p}'${kw}' not allowed in 'defaults' section.`);
    return;
  }
  const max = PROXY_MAX_ARGS[kw];
  const tooMany = max !== undefined && words.length > max + 1;
  const tooManyArgs = () => alert(`${p}'${kw === 'http-reuse' ? `http-reuse ${words[1]}` : kw}' cannot handle unexpected argument '${words[max! + 1]}'.`);
  const capKey = kw === 'timeout' ? `timeout ${words[1] ?? ''}` : kw;
  const cap = CAPS[capKey];
  if (!d.isDefaults && cap && cap !== 'both' && !(cap === 'fe' ? cfg.isFrontend : cfg.isBackend)) {
    const missing = cap === 'fe' ? 'frontend' : 'backend';
    if (kw === 'server') {
      alert(`${atBare(where)}${p}'server' not allowed because ${typeName} '${cfg.name}' has no backend capability.`);
      return;
    }
    if (kw !== 'timeout') {
      warn(`${p}'${kw}' ignored because ${typeName} '${cfg.name}' has no ${missing} capability.${kw === 'maxconn' ? " Maybe you want 'fullconn' instead ?" : ''}`);
      // HAProxy still records backend switching rules here, and checks their targets later.
      if (kw !== 'default_backend' && kw !== 'use_backend') {
        if (tooMany) tooManyArgs();
        return;
      }
    }
  }

  if (tooMany) {
    tooManyArgs();
    return;
  }

  const condAfter = (idx: number, context: string): Condition | undefined | false => {
    const w = words[idx];
    if (w === undefined) return undefined;
    if (w !== 'if' && w !== 'unless') return false;
    const r = parseCondition(words.slice(idx), where, d.aclNames, ctx.readPatternFile, unimplementedFetch(ctx, where));
    if (!r.ok) {
      alert(`${p}error detected while parsing ${context} : ${r.error}`);
      return false;
    }
    return r.cond;
  };

  switch (kw) {
    case 'mode': {
      const m = words[1] ?? '';
      if (m === 'http' || m === 'tcp') cfg.mode = m;
      else if (m === 'health') warn(`${p}${notImplementedMessage('mode health')}`);
      else alert(`${p}unknown proxy mode '${m}'.`);
      return;
    }
    case 'timeout': {
      const name = words[1] ?? '';
      if (!(name in TIMEOUTS)) {
        alert(`${p}'timeout' supports 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' and 'server-fin' (got '${name}')`);
        return;
      }
      const v = words[2];
      if (v === undefined || v === '') {
        alert(`${p}'timeout ${name}' expects an integer value (in milliseconds)`);
        return;
      }
      const t = parseTime(v);
      if (!t.ok) {
        alert(`${p}unexpected character '${t.badChar}' in 'timeout ${name}'`);
        return;
      }
      if (words.length > 3) {
        alert(`${p}'timeout ${name}' : unexpected extra argument '${words[3]}' after value '${v}'.`);
        return;
      }
      const field = TIMEOUTS[name];
      if (field) cfg.timeouts[field] = t.value;
      return;
    }
    case 'bind': {
      if (words.length < 2 || words[1] === '') {
        alert(`${p}'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments.`);
        return;
      }
      const params: Record<string, string | true> = {};
      for (let i = 2; i < words.length; i++) {
        const name = words[i];
        if (BIND_FLAGS.has(name)) params[name] = true;
        else if (BIND_WITH_VALUE.has(name)) {
          params[name] = words[++i] ?? '';
          if (name === 'mode' && !/^[0-7]+$/.test(params[name] as string)) {
            alert(`${p}'bind ${words[1]}' in section '${sectionName}' : 'mode' : missing or invalid mode '${params[name]}' (octal integer expected)`);
            return;
          }
        }
        else {
          alert(`${p}'bind ${words[1]}' in section '${sectionName}': unknown keyword '${name}'.`);
          return;
        }
        if (name === 'ssl') warn(`${p}${notImplementedMessage('bind ssl')}`);
      }
      for (const part of words[1].split(',')) {
        const a = parseAddress(part, 'bind');
        if (!a.ok) {
          alert(`${p}'bind' : ${a.error}`);
          return;
        }
        if (a.hostname !== undefined && a.address.kind === 'inet') {
          // Listeners resolve while parsing (servers only after it), as HAProxy does.
          const ip = ctx.resolveHost(a.hostname, a.address.family);
          if (ip === undefined) {
            alert(`${p}'bind' : invalid address: '${a.hostname}' in '${part}'`);
            return;
          }
          a.address = { ...a.address, host: ip, family: ip.includes(':') ? 6 : 4 };
        }
        if (a.portEnd !== undefined && a.address.kind === 'inet') {
          for (let port = a.address.port; port <= a.portEnd; port++) cfg.binds.push({ address: { ...a.address, port }, params, where });
        } else cfg.binds.push({ address: a.address, params, where, ...(a.hostname ? { hostname: a.hostname } : {}) });
      }
      return;
    }
    case 'maxconn': {
      if (words[1] === undefined) {
        alert(`${p}'maxconn' expects an integer argument.`);
        return;
      }
      cfg.maxconn = atol(words[1]);
      d.maxconnSet = true;
      return;
    }
    case 'backlog':
      if (words[1] === undefined) alert(`${p}'backlog' expects an integer argument.`);
      else cfg.backlog = atol(words[1]);
      return;
    case 'fullconn':
      if (words[1] === undefined) alert(`${p}'fullconn' expects an integer argument.`);
      else cfg.fullconn = atol(words[1]);
      return;
    case 'retries':
      if (words[1] === undefined) alert(`${p}'retries' expects an integer argument (dispatch counts for one).`);
      else cfg.retries = atol(words[1]);
      return;
    case 'default_backend':
      if (!words[1]) alert(`${p}'default_backend' expects a backend name.`);
      else cfg.defaultBackend = words[1];
      return;
    case 'use_backend': {
      const backend = words[1];
      if (!backend) {
        alert(`${p}'use_backend' expects a backend name.`);
        return;
      }
      const cond = condAfter(2, 'switching rule');
      if (cond === false) {
        if (words[2] !== 'if' && words[2] !== 'unless') alert(`${p}'use_backend' requires either 'if' or 'unless' followed by a condition.`);
        return;
      }
      cfg.useBackends.push({ backend, cond: cond ?? { unless: false, anyOf: [[{ negate: false, ref: { kind: 'named', name: 'TRUE' } }]], where }, where });
      return;
    }
    case 'balance': {
      const algo = words[1] ?? 'roundrobin';
      const m = /^(hdr|rdp-cookie)\((.*)\)$/.exec(algo);
      if (m) cfg.balance = { algorithm: m[1] as BalanceAlgorithm, arg: m[2] };
      else if (algo === 'rdp-cookie') cfg.balance = { algorithm: 'rdp-cookie', arg: 'mstshash' };
      else if (algo === 'url_param') {
        if (!words[2]) alert(`${p}'balance url_param' requires an URL parameter name.`);
        else cfg.balance = { algorithm: 'url_param', arg: words[2] };
      } else if ((BALANCE as readonly string[]).includes(algo)) cfg.balance = { algorithm: algo as BalanceAlgorithm };
      else alert(`${p}balance only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options.`);
      return;
    }
    case 'server': {
      const warnings: string[] = [];
      const r = parseServerLine(words.slice(1), cfg.name, d.defaultServer, where, warnings);
      for (const w of warnings) warn(`${p}${w}`);
      if (!r.ok) {
        alert(r.error);
        return;
      }
      const prevLine = d.serverLines.get(r.name);
      if (prevLine !== undefined) (d.duplicateServers ??= []).push({ name: r.name, where, prevLine });
      else d.serverLines.set(r.name, where.line);
      if (r.hostname) d.hostnames.push({ server: r.name, host: r.hostname, where });
      const srv = finishServer(r.name, 0, r.address, r.params, where);
      if (r.params.forcedId !== undefined) (d.forcedServerIds ??= new Map()).set(r.name, r.params.forcedId);
      cfg.servers.push(srv);
      return;
    }
    case 'default-server': {
      const warnings: string[] = [];
      const err = applyServerParams(words.slice(1), d.defaultServer, atBare(where), '', warnings);
      for (const w of warnings) warn(`${p}${w}`);
      if (err) alert(err.replace(/unknown keyword '([^']*)'\.$/, "unknown keyword '$1'. Hint: no address was expected for this server."));
      return;
    }
    case 'acl': {
      const name = words[1];
      if (!name) {
        alert(`${p}'acl' expects a name as first argument.`);
        return;
      }
      if (!/^[A-Za-z0-9_.:-]+$/.test(name)) {
        alert(`${p}'acl' : character '${/[^A-Za-z0-9_.:-]/.exec(name)![0]}' is not permitted in acl name '${name}'.`);
        return;
      }
      const r = parseCriterion(words.slice(2), ctx.readPatternFile, unimplementedFetch(ctx, where));
      if (!r.ok) {
        alert(`${p}error detected while parsing ACL '${name}' : ${r.error}`);
        return;
      }
      if (r.criterion.patterns.length === 0 && r.criterion.fetch !== 'http_auth' && r.criterion.fetch !== 'always_true' && r.criterion.fetch !== 'always_false') {
        warn(
          `parsing acl keyword '${r.criterion.fetch}' :\n  no pattern to match against were provided, so this ACL will never match.\n  If this is what you intended, please add '--' to get rid of this warning.\n  If you intended to match only for existence, please use '-m found'.\n  If you wanted to force an int to match as a bool, please use '-m bool'.\n`,
        );
      }
      (cfg.acls[name] ??= []).push({ name, criterion: r.criterion, where });
      d.aclNames.add(name);
      return;
    }
    case 'http-request':
    case 'http-response': {
      if (d.isDefaults && cfg.name === '') {
        alert(`${p}'${kw}' not allowed in anonymous 'defaults' section.`);
        return;
      }
      if (d.isDefaults) d.ruleKinds.add('http');
      // Request rules always run before backend switching, whatever the order in the file.
      if (kw === 'http-request' && cfg.useBackends.length > 0) warn(`${p}a 'http-request' rule placed after a 'use_backend' rule will still be processed before.`);
      const rule = parseHttpRule(words, where, d, ctx, cfg.name, sectionName);
      if (rule) (kw === 'http-request' ? cfg.httpRequest : cfg.httpResponse).push(rule);
      return;
    }
    case 'stats':
      parseStatsKeyword(words, where, d, ctx);
      return;
    case 'option':
    case 'no': {
      const negate = kw === 'no';
      if (negate && words[1] !== 'option') {
        if (words[1] === 'log') cfg.logs = [];
        else alert(`${p}unknown keyword '${kw}' in '${sectionName}' section`);
        if (words[1] === 'log') d.logGlobal = false;
        return;
      }
      parseOption(negate ? words.slice(2) : words.slice(1), negate, where, d, ctx);
      return;
    }
    case 'cookie': {
      const name = words[1];
      if (!name) {
        alert(`${p}'cookie' expects <cookie_name> as argument.`);
        return;
      }
      const c = { name, mode: 'rewrite' as 'insert' | 'rewrite' | 'prefix', indirect: false, nocache: false };
      for (let i = 2; i < words.length; i++) {
        const o = words[i];
        if (o === 'insert' || o === 'rewrite' || o === 'prefix') c.mode = o;
        else if (o === 'indirect') c.indirect = true;
        else if (o === 'nocache') c.nocache = true;
        else if (o === 'postonly' || o === 'dynamic' || o === 'httponly' || o === 'secure' || o === 'preserve') continue;
        else if (o === 'domain' || o === 'maxidle' || o === 'maxlife' || o === 'attr') i++;
        else {
          alert(`${p}'cookie' supports 'rewrite', 'insert', 'prefix', 'indirect', 'nocache', 'postonly', 'domain', 'maxidle', 'dynamic', 'maxlife' and 'attr' options.`);
          return;
        }
      }
      cfg.cookie = c;
      // Kept for the stats (show-legends); the data plane does not do cookie persistence yet.
      warn(`${p}${notImplementedMessage('cookie')}`);
      return;
    }
    case 'http-check':
      parseHttpCheck(words, where, d, ctx);
      return;
    case 'http-reuse': {
      const m = words[1];
      if (m === 'never' || m === 'safe' || m === 'aggressive' || m === 'always') cfg.httpReuse = m;
      else alert(`${p}'http-reuse' only supports 'never', 'safe', 'aggressive', 'always'.`);
      return;
    }
    case 'monitor-uri':
      if (!words[1]) alert(`${p}'monitor-uri' expects an URI.`);
      else cfg.monitorUri = words[1];
      return;
    case 'dispatch': {
      const a = parseAddress(words[1] ?? '', 'bind');
      if (!words[1]) alert(`${p}'dispatch' expects an address and a port.`);
      else if (!a.ok) alert(`${p}'dispatch' : ${a.error}`);
      else cfg.dispatch = a.address;
      return;
    }
    case 'description':
      if (words.length < 2) alert(`${atTight(where)}'description' expects a string argument.`);
      else cfg.description = words.slice(1).join(' ');
      return;
    case 'id': {
      const n = atol(words[1] ?? '');
      if (n <= 0) alert(`${atTight(where)}custom id has to be > 0.`);
      else d.forcedId = n;
      return;
    }
    case 'disabled':
      cfg.disabled = true;
      return;
    case 'enabled':
      cfg.disabled = false;
      return;
    case 'log': {
      if (words[1] === 'global' && words.length === 2) {
        d.logGlobal = true;
        return;
      }
      const r = parseLogTarget(words.slice(1), where, ctx.resolveHost);
      if (!r.ok) alert(`${p}${r.error}`);
      else cfg.logs.push(r.target);
      return;
    }
    case 'load-server-state-from-file': {
      const v = words[1];
      if (v === 'global' || v === 'local' || v === 'none') cfg.loadServerStateFromFile = v;
      else alert(`${p}'load-server-state-from-file' expects 'global', 'local' or 'none'. Got '${v ?? ''}'`);
      return;
    }
    case 'server-state-file-name':
      cfg.serverStateFileName = words[1] ?? cfg.name;
      return;
  }
  if (kw === 'tcp-request' || kw === 'tcp-response') {
    const sub = words[1] ?? '';
    if (d.isDefaults && cfg.name === '') {
      alert(kw === 'tcp-request' ? `${p}tcp-request ${sub} is not allowed in anonymous 'defaults' sections` : `${p}tcp-response ${sub} is only allowed in 'backend' sections or 'defaults' section with a name`);
      return;
    }
    if (d.isDefaults && sub !== 'inspect-delay') {
      d.ruleKinds.add(kw === 'tcp-response' ? 'tcp-response' : sub === 'content' ? 'tcp-request-content' : 'tcp-request-session');
    }
  }
  if (kw === 'stick-table') d.hasStickTable = true;
  if (NOT_IMPLEMENTED_PROXY_KEYWORDS.has(kw)) {
    warn(`${p}${notImplementedMessage(kw)}`);
    return;
  }
  alert(`${p}unknown keyword '${kw}' in '${sectionName}' section${suggestion(kw, [...PROXY_KEYWORDS, ...NOT_IMPLEMENTED_PROXY_KEYWORDS])}`);
}

/** Every first word this module knows, for `did you mean` hints. */
export const PROXY_KEYWORDS: readonly string[] = [
  'mode', 'timeout', 'bind', 'maxconn', 'backlog', 'fullconn', 'retries', 'default_backend', 'use_backend', 'balance', 'server',
  'default-server', 'acl', 'http-request', 'http-response', 'stats', 'option', 'no', 'cookie', 'http-check', 'http-reuse', 'monitor-uri',
  'dispatch', 'description', 'id', 'disabled', 'enabled', 'log', 'load-server-state-from-file', 'server-state-file-name',
];
