// `log <target> [len N] [format F] [sample R:S] <facility> [level [minlevel]]`
import { parseAddress } from './address.js';
import type { LogTarget, SourceRef } from './model.js';

export const LOG_FACILITIES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'auth2', 'ftp', 'ntp', 'audit', 'alert', 'cron2',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
];
export const LOG_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

export type LogResult = { ok: true; target: LogTarget } | { ok: false; error: string };

/** Words after `log` (not `global`). Error texts follow `log : ...`. */
export function parseLogTarget(args: string[], where: SourceRef, resolveHost: (host: string, family: 4 | 6) => string | undefined): LogResult {
  const words = [...args];
  const dest = words.shift();
  // Optional `len`, `format` and `sample` may precede the facility.
  while (words[0] === 'len' || words[0] === 'format' || words[0] === 'sample') words.splice(0, 2);
  const facility = words[0];
  if (dest === undefined || facility === undefined) return { ok: false, error: `log : expects <address> and <facility>  as arguments` };
  if (!LOG_FACILITIES.includes(facility)) return { ok: false, error: `log : unknown log facility '${facility}'` };
  const level = words[1];
  if (level !== undefined && !LOG_LEVELS.includes(level)) return { ok: false, error: `log : unknown optional log level '${level}'` };
  const minlevel = words[2];
  if (minlevel !== undefined && !LOG_LEVELS.includes(minlevel)) return { ok: false, error: `log : unknown optional minimal log level '${minlevel}'` };
  let target: LogTarget['target'];
  if (dest === 'stdout') target = { kind: 'stdout' };
  else if (dest === 'stderr') target = { kind: 'stderr' };
  else {
    const text = /:\d*$/.test(dest) || dest.includes('@') || dest.startsWith('/') || dest.startsWith('[') ? dest : `${dest}:514`;
    const a = parseAddress(text.endsWith(':') ? `${text}514` : text, 'log');
    if (!a.ok) return { ok: false, error: `log : ${a.error}` };
    if (a.address.kind === 'unix') target = { kind: 'unix', path: a.address.path };
    else if (a.address.kind === 'inet') {
      // Log servers are resolved while parsing.
      const host = a.hostname === undefined ? a.address.host : resolveHost(a.hostname, a.address.family);
      if (host === undefined) return { ok: false, error: `log : invalid address: '${a.hostname}' in '${dest}'\n` };
      target = { kind: 'udp', host, port: a.address.port };
    }
    else return { ok: false, error: `log : cannot use a file descriptor as log target '${dest}'` };
  }
  return { ok: true, target: { target, facility, level, where } };
}
