// What a running process holds, read from Linux's /proc: open file descriptors and resident
// memory. The leak and back-pressure tests compare these against a baseline.

import { readdirSync, readFileSync } from 'node:fs';

/** Number of open file descriptors of `pid`. */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Resident set size of `pid` in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** Poll `read` until it returns the same value `times` reads in a row `everyMs` apart; return it. */
export async function settled(read: () => number, times = 4, everyMs = 100, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = read();
  let same = 1;
  while (same < times) {
    if (Date.now() > deadline) return last;
    await sleep(everyMs);
    const v = read();
    same = v === last ? same + 1 : 1;
    last = v;
  }
  return last;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
