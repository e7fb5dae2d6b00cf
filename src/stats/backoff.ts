// Brute-force back-off for the stats page's Basic auth (Switchyard's own; HAProxy has none).
// After `threshold` failed logins from one source, that source must wait before its next
// credentials are even checked: 1 s, then twice as long after each further failure, capped.
// A quiet period without failures forgets the source; a good login forgets it at once.
// Pure: time comes in as a parameter.

export interface BackoffPolicy {
  threshold: number;
  baseMs: number;
  capMs: number;
  quietMs: number;
  /** Sources remembered at most; the least recently seen is forgotten first. */
  maxSources: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { threshold: 5, baseMs: 1000, capMs: 10_000, quietMs: 60_000, maxSources: 10_000 };

interface Entry {
  failures: number;
  lastFailure: number;
  /** No credentials from this source are checked before this time. */
  until: number;
}

/**
 * The source as the table counts it: an IPv4 address as is (also when IPv4-mapped), an IPv6
 * address by its /64, since one host can hold a whole /64.
 */
export function sourceKey(src: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(src);
  if (mapped) return mapped[1]!;
  if (!src.includes(':')) return src;
  const [head = '', tail = ''] = src.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = src.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = src.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export class AuthBackoff {
  private readonly table = new Map<string, Entry>();

  constructor(private readonly policy: BackoffPolicy = DEFAULT_BACKOFF) {}

  get size(): number {
    return this.table.size;
  }

  /** Milliseconds `src` must still wait before its credentials are checked; 0 when it may try now. */
  waitMs(src: string, now: number): number {
    const key = sourceKey(src);
    const e = this.fresh(key, now);
    if (!e) return 0;
    this.touch(key, e);
    return Math.max(0, e.until - now);
  }

  /**
   * Count a failed login. Returns the back-off it starts (0 below the threshold) and whether
   * this failure crossed the threshold, which is when the source is worth one log line.
   */
  failed(src: string, now: number): { delayMs: number; crossed: boolean } {
    const key = sourceKey(src);
    const e = this.fresh(key, now) ?? { failures: 0, lastFailure: now, until: 0 };
    e.failures++;
    e.lastFailure = now;
    const over = e.failures - this.policy.threshold;
    const delayMs = over < 0 ? 0 : Math.min(this.policy.capMs, this.policy.baseMs * 2 ** Math.min(over, 30));
    e.until = now + delayMs;
    this.touch(key, e);
    return { delayMs, crossed: over === 0 };
  }

  succeeded(src: string): void {
    this.table.delete(sourceKey(src));
  }

  private fresh(key: string, now: number): Entry | undefined {
    const e = this.table.get(key);
    if (e && now - e.lastFailure >= this.policy.quietMs && now >= e.until) {
      this.table.delete(key);
      return undefined;
    }
    return e;
  }

  /** Move to the most recently seen end (a Map iterates in insertion order) and trim the oldest. */
  private touch(key: string, e: Entry): void {
    this.table.delete(key);
    this.table.set(key, e);
    while (this.table.size > this.policy.maxSources) this.table.delete(this.table.keys().next().value as string);
  }
}
