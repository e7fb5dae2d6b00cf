// The balancing algorithms (HAProxy `balance` keyword). Each picks among the usable set,
// skipping full servers and the one being retried away from; the caller queues on undefined.

import type { Proxy } from '../proxy.js';
import type { Server } from '../server.js';
import type { BalanceKey, Balancer } from './types.js';
import { isFull, usableSet, type Candidate } from './usable.js';

/** How often (ms) weights are refreshed while a server ramps up after slowstart. */
const RAMP_REFRESH_MS = 250;

abstract class BaseBalancer implements Balancer {
  protected candidates: Candidate[] = [];
  protected totalWeight = 0;
  private ramping = false;
  private updatedMs = 0;

  constructor(protected readonly proxy: Proxy) {}

  update(nowMs: number): void {
    const set = usableSet(this.proxy, nowMs, this.candidates);
    this.candidates = set.candidates;
    this.totalWeight = set.totalWeight;
    this.ramping = set.ramping;
    this.updatedMs = nowMs;
  }

  pick(key: BalanceKey, exclude?: Server): Server | undefined {
    if (this.ramping) {
      const now = Date.now();
      if (now - this.updatedMs >= RAMP_REFRESH_MS) this.update(now);
    }
    return this.choose(key, exclude);
  }

  protected abstract choose(key: BalanceKey, exclude?: Server): Server | undefined;

  taken(server: Server): void {
    server.served++;
  }

  released(server: Server): void {
    if (server.served > 0) server.served--;
  }

  protected eligible(c: Candidate, exclude?: Server): boolean {
    return c.server !== exclude && !isFull(c.server);
  }

  /** Smooth weighted round-robin (each server gets its share, evenly interleaved). */
  protected roundRobin(exclude?: Server): Server | undefined {
    let best: Candidate | undefined;
    let total = 0;
    for (const c of this.candidates) {
      if (!this.eligible(c, exclude)) continue;
      c.current += c.weight;
      total += c.weight;
      if (!best || c.current > best.current) best = c;
    }
    if (!best) return undefined;
    best.current -= total;
    return best.server;
  }

  /** Weighted choice by hash: the slot the hash falls in, else the next eligible server. */
  protected byHash(hash: number, exclude?: Server): Server | undefined {
    if (this.totalWeight === 0) return undefined;
    let point = hash % this.totalWeight;
    let start = 0;
    for (let i = 0; i < this.candidates.length; i++) {
      point -= this.candidates[i]!.weight;
      if (point < 0) {
        start = i;
        break;
      }
    }
    for (let i = 0; i < this.candidates.length; i++) {
      const c = this.candidates[(start + i) % this.candidates.length]!;
      if (this.eligible(c, exclude)) return c.server;
    }
    return undefined;
  }
}

class RoundRobin extends BaseBalancer {
  protected choose(_key: BalanceKey, exclude?: Server): Server | undefined {
    return this.roundRobin(exclude);
  }
}

class LeastConn extends BaseBalancer {
  private rotor = 0;
  protected choose(_key: BalanceKey, exclude?: Server): Server | undefined {
    const n = this.candidates.length;
    let best: Candidate | undefined;
    // Start at a rotating index so ties spread instead of always hitting the first server.
    this.rotor = n > 0 ? (this.rotor + 1) % n : 0;
    for (let i = 0; i < n; i++) {
      const c = this.candidates[(this.rotor + i) % n]!;
      if (!this.eligible(c, exclude)) continue;
      if (!best || c.server.served * best.weight < best.server.served * c.weight) best = c;
    }
    return best?.server;
  }
}

class First extends BaseBalancer {
  protected choose(_key: BalanceKey, exclude?: Server): Server | undefined {
    let best: Candidate | undefined;
    for (const c of this.candidates) {
      if (!this.eligible(c, exclude)) continue;
      if (!best || c.server.id < best.server.id) best = c;
    }
    return best?.server;
  }
}

class HashBalancer extends BaseBalancer {
  constructor(proxy: Proxy, private readonly input: (key: BalanceKey) => string | undefined) {
    super(proxy);
  }
  protected choose(key: BalanceKey, exclude?: Server): Server | undefined {
    const v = this.input(key);
    // No hash input (e.g. header missing): fall back to round-robin, as HAProxy does.
    if (v === undefined) return this.roundRobin(exclude);
    return this.byHash(hashString(v), exclude);
  }
}

class RandomBalancer extends BaseBalancer {
  /** Power of two choices: draw two by weight, keep the less loaded one. */
  protected choose(_key: BalanceKey, exclude?: Server): Server | undefined {
    const a = this.byHash(Math.floor(Math.random() * 0x7fffffff), exclude);
    const b = this.byHash(Math.floor(Math.random() * 0x7fffffff), exclude);
    if (!a || !b) return a ?? b;
    return b.served < a.served ? b : a;
  }
}

/** FNV-1a, 32 bits: stable across processes so `source`/`uri` stick to the same server. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function createBalancer(proxy: Proxy): Balancer {
  const { algorithm, arg } = proxy.config.balance;
  switch (algorithm) {
    case 'leastconn':
      return new LeastConn(proxy);
    case 'first':
      return new First(proxy);
    case 'source':
      return new HashBalancer(proxy, (k) => k.src);
    case 'uri':
      return new HashBalancer(proxy, (k) => (k.uri === undefined ? undefined : k.uri.split('?')[0]));
    case 'url_param':
      return new HashBalancer(proxy, (k) => urlParam(k.uri, arg ?? ''));
    case 'hdr':
      return new HashBalancer(proxy, (k) => k.header?.((arg ?? '').toLowerCase()));
    case 'random':
      return new RandomBalancer(proxy);
    default:
      // roundrobin, static-rr, rdp-cookie (no cookie parsing): weighted round-robin.
      return new RoundRobin(proxy);
  }
}

function urlParam(uri: string | undefined, name: string): string | undefined {
  const q = uri?.indexOf('?') ?? -1;
  if (!uri || q < 0) return undefined;
  for (const part of uri.slice(q + 1).split('&')) {
    const eq = part.indexOf('=');
    if (eq >= 0 && part.slice(0, eq) === name) return part.slice(eq + 1);
  }
  return undefined;
}
