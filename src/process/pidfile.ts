// `-p <pidfile>` / `pidfile` in global: one pid per line, as HAProxy writes it.

import { readFileSync, rmSync, writeFileSync } from 'node:fs';

export function writePidfile(path: string, pids: number[]): void {
  writeFileSync(path, pids.map((p) => `${p}\n`).join(''), { mode: 0o644 });
}

export function readPidfile(path: string): number[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => /^\d+$/.test(l.trim()))
    .map((l) => Number(l.trim()));
}

export function removePidfile(path: string): void {
  rmSync(path, { force: true });
}
