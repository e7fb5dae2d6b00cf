// `server-state-file` + `load-server-state-from-file global|local`: read the operator part
// (admin state, user weight) of a `show servers state` dump, format version 1, at start-up.
// Only DRAIN/MAINT and operator weights are taken; the config wins for everything else.

import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Config } from '../config/model.js';
import type { Logger } from '../log/logger.js';
import type { SavedServerState } from '../control/commands.js';
import { AdminFlag } from '../core/server-state-types.js';
import type { OperatorState } from './operator-state.js';

/** Parse a dump; lines that do not have the version-1 shape are skipped. */
export function parseServerState(text: string): OperatorState {
  const lines = text.split('\n');
  if (lines[0]?.trim() !== '1') return [];
  const out: OperatorState = [];
  for (const line of lines.slice(1)) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const f = line.trim().split(/\s+/);
    if (f.length < 9) continue;
    const admin = Number(f[6]);
    const uweight = Number(f[7]);
    const iweight = Number(f[8]);
    if (!Number.isInteger(admin) || !Number.isInteger(uweight) || !Number.isInteger(iweight)) continue;
    const saved: SavedServerState = { backend: f[1], server: f[3], drain: (admin & AdminFlag.FDRAIN) !== 0, maint: (admin & AdminFlag.FMAINT) !== 0 };
    if (uweight !== iweight) saved.weight = uweight;
    out.push(saved);
  }
  return out;
}

function resolve(base: string | undefined, file: string): string {
  return base && !isAbsolute(file) ? join(base, file) : file;
}

/** The saved state every backend asks for, from the global file or its own local file. */
export function loadServerStateFiles(config: Config, log: Logger): OperatorState {
  const g = config.global;
  const cache = new Map<string, OperatorState>();
  const read = (path: string): OperatorState => {
    let state = cache.get(path);
    if (!state) {
      try {
        state = parseServerState(readFileSync(path, 'utf8'));
      } catch (err) {
        log.event('warning', `Can't open server state file '${path}': ${(err as Error).message}`);
        state = [];
      }
      cache.set(path, state);
    }
    return state;
  };
  const out: OperatorState = [];
  for (const p of config.proxies) {
    if (!p.isBackend || !p.loadServerStateFromFile || p.loadServerStateFromFile === 'none') continue;
    let path: string | undefined;
    if (p.loadServerStateFromFile === 'global') path = g.serverStateFile && resolve(g.serverStateBase, g.serverStateFile);
    else path = resolve(g.serverStateBase, p.serverStateFileName ?? p.name);
    if (!path) continue;
    out.push(...read(path).filter((s) => s.backend === p.name));
  }
  return out;
}
