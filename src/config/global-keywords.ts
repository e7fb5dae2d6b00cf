// Keywords of the `global` section (several global sections merge into one).
import { parseAddress } from './address.js';
import { Diagnostics, at, atTight } from './diagnostics.js';
import type { GlobalConfig, SourceRef, StatsSocketConfig } from './model.js';
import { parseLogTarget } from './log-target.js';
import { parseSize, parseTime, parseUint } from './units.js';

export const GLOBAL_KEYWORDS: readonly string[] = [
  'daemon', 'master-worker', 'zero-warning', 'pidfile', 'maxconn', 'nbthread', 'node', 'description', 'hard-stop-after',
  'server-state-file', 'server-state-base', 'log', 'stats', 'tune.bufsize', 'tune.maxrewrite', 'tune.http.maxhdr', 'fleet',
  'setenv', 'presetenv', 'unsetenv', 'resetenv',
];

/** Keywords taking at most this many arguments; more is an error in HAProxy. */
const GLOBAL_MAX_ARGS: Record<string, number> = {
  daemon: 0,
  'zero-warning': 0,
  pidfile: 1,
  maxconn: 1,
  nbthread: 1,
  node: 1,
  'hard-stop-after': 1,
  'server-state-file': 1,
  'server-state-base': 1,
  'tune.bufsize': 1,
  'tune.maxrewrite': 1,
  'tune.http.maxhdr': 1,
};

/** Returns false when the keyword is not one of ours (the caller reports it). */
export function parseGlobalKeyword(
  words: string[],
  where: SourceRef,
  g: GlobalConfig,
  env: NodeJS.ProcessEnv,
  diags: Diagnostics,
  resolveHost: (host: string, family: 4 | 6) => string | undefined,
): boolean {
  const [kw, a1] = words;
  const p = at(where);
  const alert = (m: string) => diags.alert(p + m, where);
  const max = GLOBAL_MAX_ARGS[kw];
  if (max !== undefined && words.length > max + 1) {
    alert(`'${kw}' cannot handle unexpected argument '${words[max + 1]}'.`);
    return true;
  }
  switch (kw) {
    case 'daemon':
      g.daemon = true;
      return true;
    case 'master-worker':
      if (a1 !== undefined && (a1 !== 'no-exit-on-failure' || words.length > 2)) alert(`'master-worker' only supports 'no-exit-on-failure' option.`);
      else g.masterWorker = true;
      return true;
    case 'zero-warning':
      g.zeroWarning = true;
      return true;
    case 'pidfile':
      if (!a1) alert(`'pidfile' expects a file name as an argument.`);
      else g.pidfile = a1;
      return true;
    case 'maxconn': {
      const n = parseUint(a1);
      if (a1 === undefined) alert(`'maxconn' expects an integer argument.`);
      else g.maxconn = n ?? 0;
      return true;
    }
    case 'nbthread': {
      const n = parseUint(a1);
      if (n === undefined || n < 1 || n > 64) alert(`'nbthread' value must be between 1 and 64 (was ${a1 === undefined ? 0 : Number.parseInt(a1, 10) || 0})`);
      else g.nbthread = n;
      return true;
    }
    case 'node':
      if (!a1 || !/^[A-Za-z0-9._-]+$/.test(a1)) {
        diags.alert(
          `parsing [${where.file}:${where.line}]: 'node' requires valid node name - non-empty string with digits(0-9), letters(A-Z, a-z), dot(.), hyphen(-) or underscode(_).`,
          where,
        );
      } else g.node = a1;
      return true;
    case 'description':
      if (words.length < 2) diags.alert(`${atTight(where)}'description' expects a string argument.`, where);
      else g.description = words.slice(1).join(' ');
      return true;
    case 'hard-stop-after': {
      const t = parseTime(a1 ?? '');
      if (!a1) alert(`'hard-stop-after' expects <time> as argument.`);
      else if (!t.ok) alert(`unexpected character '${t.badChar}' in argument to <hard-stop-after>.\n`);
      else g.hardStopAfter = t.value;
      return true;
    }
    case 'server-state-file':
      if (!a1) alert(`'server-state-file' expects a file name as an argument.`);
      else g.serverStateFile = a1;
      return true;
    case 'server-state-base':
      if (!a1) alert(`'server-state-base' expects a directory path as an argument.`);
      else g.serverStateBase = a1;
      return true;
    case 'log': {
      if (a1 === 'global') {
        alert(`'log global' is not supported in the global section.`);
        return true;
      }
      const r = parseLogTarget(words.slice(1), where, resolveHost);
      if (!r.ok) alert(r.error);
      else g.logs.push(r.target);
      return true;
    }
    case 'stats':
      parseGlobalStats(words, where, g, alert);
      return true;
    case 'tune.bufsize':
    case 'tune.maxrewrite':
    case 'tune.http.maxhdr': {
      const n = kw === 'tune.bufsize' ? parseSize(a1 ?? '') : parseUint(a1);
      if (n === undefined || n <= 0) {
        alert(`'${kw}' expects a positive integer argument.`);
        return true;
      }
      if (kw === 'tune.bufsize') g.tune.bufsize = n;
      else if (kw === 'tune.maxrewrite') g.tune.maxrewrite = n;
      else g.tune.httpMaxhdr = n;
      return true;
    }
    case 'fleet': {
      // Switchyard's own: `fleet etcd <url>[,<url>...] prefix <key-prefix>`
      const prefixIdx = words.indexOf('prefix');
      if (a1 !== 'etcd' || !words[2] || words[2] === 'prefix' || prefixIdx < 0 || !words[prefixIdx + 1]) {
        alert(`'fleet' expects 'etcd' <url>[,<url>...] 'prefix' <key-prefix>.`);
        return true;
      }
      g.fleet = { endpoints: words[2].split(',').filter((u) => u !== ''), prefix: words[prefixIdx + 1] };
      return true;
    }
    case 'setenv':
    case 'presetenv':
      if (!a1 || words.length < 3) alert(`'${kw}' expects a name and a value.`);
      else if (kw === 'setenv' || env[a1] === undefined) env[a1] = words[2];
      return true;
    case 'unsetenv':
      for (const name of words.slice(1)) delete env[name];
      return true;
    case 'resetenv': {
      const keep = new Set(words.slice(1));
      for (const name of Object.keys(env)) if (!keep.has(name)) delete env[name];
      return true;
    }
  }
  return false;
}

function parseGlobalStats(words: string[], where: SourceRef, g: GlobalConfig, alert: (m: string) => void): void {
  const sub = words[1];
  if (sub === 'socket') {
    const addrText = words[2];
    if (!addrText) {
      alert(`'stats socket' in global section expects an address or a path to a UNIX socket`);
      return;
    }
    const a = parseAddress(addrText, 'socket');
    if (!a.ok) {
      alert(`'stats socket' : ${a.error}`);
      return;
    }
    const sock: StatsSocketConfig = { address: a.address, level: 'operator', exposeFdListeners: false, where };
    for (let i = 3; i < words.length; i++) {
      const opt = words[i];
      if (opt === 'level') {
        const lv = words[++i] ?? '';
        if (lv !== 'user' && lv !== 'operator' && lv !== 'admin') {
          alert(`'stats socket' : ''level' only supports 'user', 'operator', and 'admin' (got '${lv}')'`);
          return;
        }
        sock.level = lv;
      } else if (opt === 'mode') {
        const m = words[++i] ?? '';
        if (!/^[0-7]+$/.test(m)) {
          alert(`'stats socket' : 'mode' : expects an octal value`);
          return;
        }
        sock.mode = parseInt(m, 8);
      } else if (opt === 'expose-fd') {
        if (words[++i] !== 'listeners') {
          alert(`'stats socket' : 'expose-fd' : unsupported option '${words[i] ?? ''}'`);
          return;
        }
        sock.exposeFdListeners = true;
      } else if (opt === 'user' || opt === 'group' || opt === 'uid' || opt === 'gid' || opt === 'name' || opt === 'maxconn' || opt === 'process' || opt === 'severity-output') {
        i++;
      } else if (opt !== 'accept-proxy' && opt !== 'transparent' && opt !== 'v4v6' && opt !== 'v6only') {
        alert(`'stats socket' : unknown keyword '${opt}'.`);
        return;
      }
    }
    g.statsSockets.push(sock);
    return;
  }
  if (sub === 'timeout') {
    const t = parseTime(words[2] ?? '');
    if (!words[2]) alert(`'stats timeout' expects a positive value`);
    else if (!t.ok) alert(`'stats timeout' : unexpected character '${t.badChar}'`);
    else g.statsTimeout = t.value;
    return;
  }
  if (sub === 'maxconn') {
    const n = parseUint(words[2]);
    if (!n) alert(`'stats maxconn' expects a positive value`);
    else g.statsMaxconn = n;
    return;
  }
  if (sub === 'bind-process') return;
  alert(`'stats' only supports 'socket', 'maxconn', 'bind-process' and 'timeout' (got '${sub ?? ''}')`);
}
