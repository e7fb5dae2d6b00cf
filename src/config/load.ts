// The I/O edge of the config front end: read files (a directory loads its *.cfg sorted),
// pattern files and host names, then hand everything to the pure parser.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Config, Diagnostic } from './model.js';
import { parseConfig, type SourceFile } from './parser.js';

export const ZERO_WARNING_ABORT = "Some warnings were found and 'zero-warning' is set. Aborting.";

export interface LoadResult {
  config?: Config; // undefined when there are alerts
  diagnostics: Diagnostic[];
  /** false when nothing would listen (haproxy -c exits 2 for such a file). */
  hasListener?: boolean;
  /** an error after which HAProxy would have stopped reading at once */
  aborted?: boolean;
}

/** HAProxy's default global maxconn comes from the open-files limit: (limit - 32) / 2. */
function defaultMaxconn(): number {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m) return Math.max(1, Math.floor((Number(m[1]) - 32) / 2));
  } catch {
    // not Linux: fall through
  }
  return 4096;
}

/** Synchronous name resolution (config loading is synchronous, as in HAProxy). */
export function resolveHostSync(host: string, family: 4 | 6): string | undefined {
  if (isIP(host)) return host;
  if (/^[0-9.]+$/.test(host)) return undefined;
  if (host === 'localhost') return family === 6 ? '::1' : '127.0.0.1';
  const r = spawnSync('getent', [family === 6 ? 'ahostsv6' : 'ahostsv4', host], { encoding: 'utf8', timeout: 5000 });
  const first = r.status === 0 ? r.stdout.split(/\s+/)[0] : '';
  return first && isIP(first) ? first : undefined;
}

function readPatternFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function loadConfig(paths: string[], env: NodeJS.ProcessEnv = process.env): LoadResult {
  const sources: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const path of paths) {
    try {
      if (statSync(path).isDirectory()) {
        for (const name of readdirSync(path).filter((n) => n.endsWith('.cfg')).sort()) {
          const file = join(path, name);
          sources.push({ file, text: readFileSync(file, 'utf8') });
        }
      } else sources.push({ file: path, text: readFileSync(path, 'utf8') });
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (err as Error).message;
      diagnostics.push({ severity: 'alert', message: `Cannot open configuration file/directory ${path} : ${reason}` });
    }
  }
  if (diagnostics.length === 0 && sources.length === 0) diagnostics.push({ severity: 'alert', message: `No configuration file found in ${paths.join(', ')}.` });
  if (diagnostics.length > 0) return { diagnostics };
  const r = parseConfig(sources, { env, readPatternFile, resolveHost: resolveHostSync, hostname: hostname(), defaultMaxconn: defaultMaxconn() });
  const list = r.diagnostics.list;
  if (r.config) list.push(...serverStateFileChecks(r.config));
  // `zero-warning` makes any warning fatal, for running as well as for -c.
  if (r.config?.global.zeroWarning && list.some((d) => d.severity === 'warning')) {
    list.push({ severity: 'alert', message: ZERO_WARNING_ABORT });
    return { diagnostics: list, hasListener: r.hasListener, aborted: r.diagnostics.aborted };
  }
  return { config: r.config, diagnostics: list, hasListener: r.hasListener, aborted: r.diagnostics.aborted };
}

/** A backend loading from the global server-state file needs it set, and readable. */
function serverStateFileChecks(config: Config): Diagnostic[] {
  const g = config.global;
  const users = config.proxies.filter((p) => p.isBackend && p.loadServerStateFromFile === 'global');
  if (users.length === 0) return [];
  if (!g.serverStateFile) {
    return users.map((p) => ({
      severity: 'warning' as const,
      message: `backend '${p.name}' configured to load server state file from global section 'server-state-file' directive. Unfortunately, 'server-state-file' is not set!`,
    }));
  }
  const path = g.serverStateBase && !g.serverStateFile.startsWith('/') ? join(g.serverStateBase, g.serverStateFile) : g.serverStateFile;
  try {
    readFileSync(path);
    return [];
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (err as Error).message;
    return [{ severity: 'warning', message: `config: Can't open global server state file '${path}': ${reason}` }];
  }
}
