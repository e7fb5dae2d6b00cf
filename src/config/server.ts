// `server` and `default-server` lines. HAProxy stops at a line's first bad parameter.
import { parseAddress } from './address.js';
import { atBare } from './diagnostics.js';
import type { Address, ServerConfig, SourceRef } from './model.js';
import { NOT_IMPLEMENTED_SERVER_PARAMS, notImplementedMessage } from './not-implemented.js';
import { atol, parseTime } from './units.js';

/** The parameter part of a server, i.e. what `default-server` can preset. */
export type ServerParams = Omit<ServerConfig, 'name' | 'id' | 'address' | 'where'> & { forcedId?: number; interSet: boolean; fastinterSet: boolean; downinterSet: boolean; agentInterSet: boolean };

export function initialServerParams(): ServerParams {
  return {
    check: false,
    inter: 2000,
    fastinter: 2000,
    downinter: 2000,
    rise: 2,
    fall: 3,
    weight: 1,
    maxconn: 0,
    maxqueue: 0,
    backup: false,
    disabled: false,
    slowstart: 0,
    agentCheck: false,
    agentInter: 2000,
    onMarkedDownShutdownSessions: false,
    onMarkedUpShutdownBackupSessions: false,
    interSet: false,
    fastinterSet: false,
    downinterSet: false,
    agentInterSet: false,
  };
}

export function cloneServerParams(p: ServerParams): ServerParams {
  return { ...p, track: p.track ? { ...p.track } : undefined };
}

const TIME_PARAMS = new Set(['inter', 'fastinter', 'downinter', 'slowstart', 'agent-inter']);
const INT_PARAMS = new Set(['rise', 'fall', 'weight', 'maxconn', 'maxqueue', 'port', 'agent-port', 'id']);
/** Parameters that take one argument we keep or ignore. */
const VALUE_PARAMS = new Set(['addr', 'agent-addr', 'agent-send', 'track', 'cookie', 'on-marked-down', 'on-marked-up']);
/** Ignored parameters that take one argument. */
const IGNORED_WITH_ARG = new Set([
  'verify', 'sni', 'alpn', 'check-alpn', 'proto', 'resolvers', 'resolve-prefer', 'init-addr', 'pool-max-conn', 'pool-purge-delay',
  'namespace', 'source', 'redir', 'ws', 'max-reuse', 'tcp-ut', 'ca-file', 'crt', 'minconn', 'observe', 'error-limit',
  'on-error', 'check-sni', 'proxy-v2-options', 'socks4', 'pool-low-conn', 'ssl-min-ver', 'ssl-max-ver', 'crl-file', 'ciphers', 'ciphersuites',
  'npn', 'curves', 'sigalgs', 'client-sigalgs', 'verifyhost', 'check-proto', 'shard', 'log-proto', 'usesrc', 'max-session-srv-conns',
  'check-pool-conn-name', 'pool-conn-name',
]);

export interface ServerLineResult {
  server?: ServerConfig;
  /** host name that still needs resolving */
  hostname?: string;
  warnings: string[];
}

export type ServerLineError = { error: string };

/**
 * Apply `words` (parameters after name/address) onto `params`. Returns an error message
 * (without the `[f:l] : ` prefix) at the first bad parameter.
 */
export function applyServerParams(words: string[], params: ServerParams, label: string, serverName: string, warnings: string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const kw = words[i];
    if (TIME_PARAMS.has(kw)) {
      const arg = words[++i];
      if (arg === undefined || arg === '') return `${label}'${kw}' expects an integer argument.`;
      const t = parseTime(arg);
      // HAProxy 2.6 names 'agent-inter' whatever the time parameter was.
      if (!t.ok) return `${label}unexpected character '${t.badChar}' in 'agent-inter' argument of server ${serverName}..`;
      if (kw === 'inter') {
        params.inter = t.value;
        params.interSet = true;
      } else if (kw === 'fastinter') {
        params.fastinter = t.value;
        params.fastinterSet = true;
      } else if (kw === 'downinter') {
        params.downinter = t.value;
        params.downinterSet = true;
      } else if (kw === 'agent-inter') {
        params.agentInter = t.value;
        params.agentInterSet = true;
      } else params.slowstart = t.value;
      continue;
    }
    if (INT_PARAMS.has(kw)) {
      const arg = words[++i];
      if (arg === undefined || arg === '') return `${label}'${kw}' expects an integer argument.`;
      const n = atol(arg);
      switch (kw) {
        case 'rise':
          if (n <= 0) return `${label}'rise' has to be > 0..`;
          params.rise = n;
          break;
        case 'fall':
          if (n <= 0) return `${label}'fall' has to be > 0..`;
          params.fall = n;
          break;
        case 'weight':
          if (n < 0 || n > 256) return `${label}weight of server ${serverName} is not within 0 and 256 (${n})..`;
          params.weight = n;
          break;
        case 'maxconn':
          params.maxconn = Math.max(0, n);
          break;
        case 'maxqueue':
          params.maxqueue = Math.max(0, n);
          break;
        case 'port':
          if (n < 1 || n > 65535) return `${label}invalid port '${arg}'.`;
          params.checkPort = n;
          break;
        case 'agent-port':
          if (n < 1 || n > 65535) return `${label}invalid port '${arg}'.`;
          params.agentPort = n;
          break;
        case 'id':
          if (n <= 0) return `${label}custom id has to be > 0.`;
          params.forcedId = n;
          break;
      }
      continue;
    }
    if (VALUE_PARAMS.has(kw)) {
      const arg = words[++i];
      if (arg === undefined || arg === '') return `${label}'${kw}' expects an argument.`;
      if (kw === 'addr') params.checkAddr = arg;
      else if (kw === 'agent-addr') params.agentAddr = arg;
      else if (kw === 'agent-send') params.agentSend = arg;
      else if (kw === 'cookie') params.cookie = arg;
      else if (kw === 'track') {
        const slash = arg.indexOf('/');
        params.track = slash < 0 ? { backend: '', server: arg } : { backend: arg.slice(0, slash), server: arg.slice(slash + 1) };
      } else if (kw === 'on-marked-down') {
        if (arg !== 'shutdown-sessions') return `${label}'on-marked-down' expects 'shutdown-sessions' but got '${arg}'.`;
        params.onMarkedDownShutdownSessions = true;
      } else {
        if (arg !== 'shutdown-backup-sessions') return `${label}'on-marked-up' expects 'shutdown-backup-sessions' but got '${arg}'.`;
        params.onMarkedUpShutdownBackupSessions = true;
      }
      continue;
    }
    switch (kw) {
      case 'check':
        params.check = true;
        continue;
      case 'no-check':
        params.check = false;
        continue;
      case 'backup':
        params.backup = true;
        continue;
      case 'no-backup':
        params.backup = false;
        continue;
      case 'disabled':
        params.disabled = true;
        continue;
      case 'enabled':
        params.disabled = false;
        continue;
      case 'agent-check':
        params.agentCheck = true;
        continue;
      case 'no-agent-check':
        params.agentCheck = false;
        continue;
    }
    if (NOT_IMPLEMENTED_SERVER_PARAMS.has(kw)) {
      warnings.push(notImplementedMessage(`server ${kw}`));
      if (IGNORED_WITH_ARG.has(kw)) i++;
      continue;
    }
    return `${label}unknown keyword '${kw}'.`;
  }
  return undefined;
}

/** Turn a parsed server into its config, applying inter-derived defaults. */
export function finishServer(name: string, id: number, address: Address, params: ServerParams, where: SourceRef): ServerConfig {
  const { forcedId: _f, interSet: _i, fastinterSet, downinterSet, agentInterSet: _a, ...rest } = params;
  return {
    ...rest,
    track: params.track ? { ...params.track } : undefined,
    fastinter: fastinterSet ? params.fastinter : params.inter,
    downinter: downinterSet ? params.downinter : params.inter,
    name,
    id,
    address,
    where,
  };
}

export type ParsedServerLine =
  | { ok: true; name: string; address: Address; hostname?: string; params: ServerParams }
  | { ok: false; error: string };

/** `server <name> <addr> [params]` (words without the leading keyword). */
export function parseServerLine(words: string[], backendName: string, defaults: ServerParams, where: SourceRef, warnings: string[]): ParsedServerLine {
  const [name, addr] = words;
  if (name === undefined || addr === undefined || name === '' || addr === '') {
    return { ok: false, error: `${atBare(where)}'server' expects <name> and <addr>[:<port>] as arguments.` };
  }
  // the name shows on the page, in CSV and logs: HAProxy's identifier characters only
  const bad = /[^A-Za-z0-9_.:-]/.exec(name);
  if (bad) return { ok: false, error: `${atBare(where)}character '${bad[0]}' is not permitted in server name '${name}'.` };
  const label = `${atBare(where)}'server ${backendName}/${name}' : `;
  const parsed = parseAddress(addr, 'server');
  if (!parsed.ok) return { ok: false, error: `${label}${parsed.error}${parsed.error.startsWith('invalid character') ? '\n' : ''}` };
  const params = cloneServerParams(defaults);
  const err = applyServerParams(words.slice(2), params, label, name, warnings);
  if (err) return { ok: false, error: err };
  return { ok: true, name, address: parsed.address, hostname: parsed.hostname, params };
}
