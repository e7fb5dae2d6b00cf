// One instance's membership in a fleet: operator state shared through etcd by backend/server name.
//
// Keys under the prefix:
//   <prefix>/state/<backend>/<server>  JSON of the server's operator state (+ the node that set it)
//   <prefix>/members/<node>            presence and stats address, under a lease
//
// Local changes (page, socket, agent) are noticed by comparing the exported operator state on a
// short tick, so control/ needs no knowledge of the fleet; remote changes are applied through
// control/ with actor 'fleet'. Nothing on the data plane waits for etcd.
//
// Reconciliation rule: etcd revision order, last write wins. A change made while the link is down
// is applied locally, kept as "not shared", and written when etcd is back; if the key changed in
// etcd since this instance last saw it, that is logged as a conflict and the later write (ours)
// wins everywhere because every instance applies the highest revision.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Control, SavedServerState, ServerAction } from '../control/commands.js';
import { exportOperatorState } from '../control/commands.js';
import type { Runtime } from '../core/runtime.js';
import type { Server } from '../core/server.js';
import type { Logger } from '../log/logger.js';
import { EtcdClient, type KeyValue, type Watch } from './etcd.js';

export interface FleetOptions {
  endpoints: string[];
  prefix: string;
  node: string;
  /** Where peers fetch this instance's stats (`;json` is appended), e.g. http://10.0.0.1:8404/stats */
  statsUrl?: string;
  /** `user:password` for reading peers' stats pages. */
  statsAuth?: string;
  /** Presence lease, in seconds. */
  leaseTtl?: number;
  /** How often local operator state is compared with what was last shared. */
  tickMs?: number;
  /** Last known state, for a start while etcd is unreachable. */
  cacheFile?: string;
  /** etcd call deadline. */
  timeoutMs?: number;
}

export interface FleetStatus {
  node: string;
  prefix: string;
  link: 'up' | 'down';
  /** backend/server names whose local change is not yet in etcd. */
  notShared: string[];
  /** Why the link is down, when it is. */
  reason?: string;
  /** Highest etcd revision seen. */
  revision: number;
}

export interface MemberRecord {
  node: string;
  statsUrl?: string;
  /** backend/server names this instance serves, for drift detection. */
  servers: string[];
  since: string;
}

interface StoredValue extends SavedServerState {
  node: string;
}

interface CacheFile {
  revision: number;
  state: SavedServerState[];
  revs: Record<string, number>;
  notShared: string[];
}

const RETRY_MS = 500;

/** One canonical text per operator state, so equal states compare equal. */
function canon(s: SavedServerState): string {
  const o: Record<string, unknown> = { backend: s.backend, server: s.server, drain: s.drain, maint: s.maint };
  if (s.weight !== undefined) o.weight = s.weight;
  if (s.forcedHealth !== undefined) o.forcedHealth = s.forcedHealth;
  if (s.healthChecks !== undefined) o.healthChecks = s.healthChecks;
  if (s.agentChecks !== undefined) o.agentChecks = s.agentChecks;
  return JSON.stringify(o);
}

function parseStored(text: string): StoredValue | undefined {
  try {
    const v = JSON.parse(text) as StoredValue;
    if (typeof v.backend !== 'string' || typeof v.server !== 'string') return undefined;
    return v;
  } catch {
    return undefined;
  }
}

export function defaultCacheFile(prefix: string, node: string): string {
  const h = createHash('sha256').update(`${prefix}\n${node}`).digest('hex').slice(0, 16);
  return path.join(tmpdir(), `switchyard-fleet-${h}.json`);
}

export class FleetMember {
  readonly client: EtcdClient;
  private readonly prefix: string;
  private readonly stateDir: string;
  private readonly membersDir: string;
  private readonly ttl: number;
  private readonly tickMs: number;
  private readonly cacheFile: string;
  /** Canonical local state as last shared or applied, by name `backend/server`. */
  private readonly known = new Map<string, string>();
  /** etcd mod_revision last seen per name. */
  private readonly revs = new Map<string, number>();
  /** Local changes not yet written to etcd. */
  private readonly pending = new Set<string>();
  /** Remote writes seen while our own write of the same name was in flight. */
  private readonly deferred = new Map<string, KeyValue>();
  private link: 'up' | 'down' = 'down';
  private reason: string | undefined = 'not connected yet';
  private revision = 0;
  private watch: Watch | undefined;
  private leaseId: string | undefined;
  private timers: NodeJS.Timeout[] = [];
  private reconnectTimer: NodeJS.Timeout | undefined;
  private flushing = false;
  private stopped = false;
  private connecting = false;

  constructor(
    readonly runtime: Runtime,
    readonly control: Control,
    readonly log: Logger,
    readonly opts: FleetOptions,
  ) {
    this.client = new EtcdClient(opts.endpoints, { timeoutMs: opts.timeoutMs ?? 1000 });
    this.prefix = opts.prefix.replace(/\/+$/, '');
    this.stateDir = `${this.prefix}/state/`;
    this.membersDir = `${this.prefix}/members/`;
    this.ttl = opts.leaseTtl ?? 3;
    this.tickMs = opts.tickMs ?? 100;
    this.cacheFile = opts.cacheFile ?? defaultCacheFile(this.prefix, opts.node);
  }

  get node(): string {
    return this.opts.node;
  }

  status(): FleetStatus {
    const st: FleetStatus = { node: this.node, prefix: this.prefix, link: this.link, notShared: [...this.pending].sort(), revision: this.revision };
    if (this.link === 'down' && this.reason) st.reason = this.reason;
    return st;
  }

  /**
   * Before listeners open: apply the fleet's state from etcd, or the last known state from the
   * cache file when etcd does not answer. Never throws.
   */
  async prepare(): Promise<void> {
    this.rememberLocal();
    try {
      await this.sync();
      this.setLink('up');
    } catch (e) {
      this.setLink('down', (e as Error).message);
      this.loadCache();
    }
  }

  /** Start watching, publishing and announcing presence. */
  start(): void {
    this.timers.push(setInterval(() => this.tick(), this.tickMs));
    this.timers.push(setInterval(() => void this.keepAlive(), Math.max(200, (this.ttl * 1000) / 3)));
    for (const t of this.timers) t.unref();
    if (this.link === 'up') void this.connect(false);
    else this.scheduleReconnect(0);
  }

  /** `leave: false` stops as a crash would: the presence key stays until its lease runs out. */
  async stop(opts: { leave?: boolean } = {}): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.watch?.cancel();
    this.watch = undefined;
    if (opts.leave !== false && this.leaseId && this.link === 'up') {
      // Leave the fleet view at once rather than after the lease runs out.
      await this.client.leaseRevoke(this.leaseId).catch(() => undefined);
    }
    this.writeCache();
    this.client.close();
  }

  /** Live instances, from their presence keys. */
  async members(): Promise<MemberRecord[]> {
    const r = await this.client.range(this.membersDir, { prefix: true });
    const out: MemberRecord[] = [];
    for (const kv of r.kvs) {
      try {
        out.push(JSON.parse(kv.value) as MemberRecord);
      } catch {
        this.log.event('warning', `Fleet: ignoring unreadable member key ${kv.key}.`);
      }
    }
    return out.sort((a, b) => a.node.localeCompare(b.node));
  }

  /** Compare local operator state with what was last shared; publish what changed. */
  tick(): void {
    if (this.stopped) return;
    let changed = false;
    for (const s of exportOperatorState(this.runtime)) {
      const name = `${s.backend}/${s.server}`;
      const c = canon(s);
      if (this.known.get(name) === c) continue;
      this.known.set(name, c);
      this.pending.add(name);
      changed = true;
    }
    if (changed) {
      this.writeCache();
      void this.flush();
    }
  }

  private rememberLocal(): void {
    for (const s of exportOperatorState(this.runtime)) this.known.set(`${s.backend}/${s.server}`, canon(s));
  }

  private setLink(link: 'up' | 'down', reason?: string): void {
    if (link === this.link && (link === 'up' || reason === this.reason)) return;
    const was = this.link;
    this.link = link;
    this.reason = reason;
    if (link === 'up') this.log.event('notice', `Fleet link up (etcd ${this.opts.endpoints.join(',')}, prefix ${this.prefix}).`);
    else if (was === 'up' || reason !== undefined) this.log.event('warning', `Fleet link down: ${reason ?? 'unknown'}; serving with last known state.`);
  }

  private linkLost(err: unknown): void {
    if (this.stopped) return;
    this.watch?.cancel();
    this.watch = undefined;
    this.setLink('down', (err as Error)?.message ?? String(err));
    this.scheduleReconnect(RETRY_MS);
  }

  private scheduleReconnect(ms: number): void {
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect(true);
    }, ms);
    this.reconnectTimer.unref();
  }

  /** (Re)join: read everything, write what is not shared, watch from there, announce presence. */
  private async connect(resync: boolean): Promise<void> {
    if (this.stopped || this.connecting) return;
    this.connecting = true;
    try {
      if (resync) await this.sync();
      await this.announce();
      this.startWatch();
      this.setLink('up');
      await this.flush();
    } catch (e) {
      this.linkLost(e);
    } finally {
      this.connecting = false;
    }
  }

  /** Apply every state key etcd holds (except names with a local change waiting to be written). */
  private async sync(): Promise<void> {
    const r = await this.client.range(this.stateDir, { prefix: true });
    this.deferred.clear();
    if (r.revision < this.revision) {
      // etcd came back with a shorter history (data dir lost): old revisions mean nothing now.
      // Every member writes its current state again; revision order settles any difference.
      this.log.event('warning', `Fleet: etcd revision went back from ${this.revision} to ${r.revision} (data lost); sharing local state again.`);
      this.revs.clear();
      this.revision = 0;
      for (const name of this.known.keys()) this.pending.add(name);
    }
    for (const kv of r.kvs) this.onRemote(kv, true);
    this.revision = Math.max(this.revision, r.revision);
    this.writeCache();
  }

  private startWatch(): void {
    this.watch?.cancel();
    this.watch = this.client.watch(this.stateDir, { prefix: true, startRevision: this.revision + 1 }, {
      onEvents: (events, revision) => {
        for (const e of events) if (e.type === 'PUT') this.onRemote(e.kv, false);
        this.revision = Math.max(this.revision, revision);
        this.writeCache();
      },
      onEnd: (err) => {
        if (err) this.linkLost(err);
      },
    });
  }

  private onRemote(kv: KeyValue, fromSync: boolean): void {
    const v = parseStored(kv.value);
    if (!v) {
      this.log.event('warning', `Fleet: ignoring unreadable state key ${kv.key}.`);
      return;
    }
    const name = `${v.backend}/${v.server}`;
    const seen = this.revs.get(name) ?? 0;
    if (kv.modRevision <= seen) return;
    if (this.pending.has(name)) {
      // Our local change is being written; once its revision is known, flush() compares the two
      // (on a resync, the put's previous value tells instead).
      if (!fromSync && v.node !== this.node) this.deferred.set(name, kv);
      return;
    }
    this.revs.set(name, kv.modRevision);
    const server = this.runtime.backend(v.backend)?.serversByName.get(v.server);
    if (!server) return;
    if (canon(v) === this.known.get(name)) return;
    this.bringTo(server, v, v.node);
  }

  /** Write local changes not yet shared. On failure they stay pending and the link goes down. */
  private async flush(): Promise<void> {
    if (this.flushing || this.link === 'down' || this.stopped) return;
    this.flushing = true;
    try {
      while (this.pending.size > 0 && this.link === 'up') {
        const name = this.pending.values().next().value as string;
        const value = this.known.get(name)!;
        const state = JSON.parse(value) as SavedServerState;
        const stored: StoredValue = { ...state, node: this.node };
        const res = await this.client.put(`${this.stateDir}${name}`, JSON.stringify(stored), { prevKv: true });
        const seen = this.revs.get(name) ?? 0;
        const prev = res.prevKv;
        if (prev && prev.modRevision > seen) {
          const pv = parseStored(prev.value);
          this.log.event('warning', `Fleet conflict on ${name}: the value from node ${pv?.node ?? '?'} (${pv ? describeState(pv) : '?'}, etcd revision ${prev.modRevision}) was overwritten by ${this.node}'s change made while not shared (etcd revision ${res.revision}).`);
        }
        this.revs.set(name, Math.max(seen, res.revision));
        // A newer local change may have come in while the put was in flight.
        if (this.known.get(name) === value) this.pending.delete(name);
        const other = this.deferred.get(name);
        this.deferred.delete(name);
        if (other && !this.pending.has(name)) {
          const ov = parseStored(other.value);
          if (other.modRevision > res.revision) {
            this.log.event('warning', `Fleet conflict on ${name}: node ${ov?.node ?? '?'} wrote after ${this.node} (etcd revisions ${other.modRevision} > ${res.revision}); its value wins.`);
            this.revs.set(name, res.revision);
            this.onRemote(other, false);
          } else {
            this.log.event('warning', `Fleet conflict on ${name}: node ${ov?.node ?? '?'} wrote before ${this.node} (etcd revisions ${other.modRevision} < ${res.revision}); ${this.node}'s value wins.`);
          }
        }
      }
    } catch (e) {
      this.linkLost(e);
    } finally {
      this.flushing = false;
      this.writeCache();
    }
  }

  private record(): MemberRecord {
    const servers: string[] = [];
    for (const p of this.runtime.proxies) {
      if (!p.config.isBackend) continue;
      for (const s of p.servers) servers.push(`${p.name}/${s.name}`);
    }
    const rec: MemberRecord = { node: this.node, servers, since: new Date(this.runtime.startMs).toISOString() };
    if (this.opts.statsUrl) rec.statsUrl = this.opts.statsUrl;
    return rec;
  }

  private async announce(): Promise<void> {
    if (this.leaseId && (await this.client.leaseKeepAlive(this.leaseId)) > 0) return;
    const lease = await this.client.leaseGrant(this.ttl);
    this.leaseId = lease.id;
    await this.client.put(`${this.membersDir}${this.node}`, JSON.stringify(this.record()), { lease: lease.id });
  }

  private async keepAlive(): Promise<void> {
    if (this.stopped || this.link === 'down' || !this.leaseId || this.connecting) return;
    try {
      const ttl = await this.client.leaseKeepAlive(this.leaseId);
      // The lease ran out (e.g. a long pause): join again with a fresh one.
      if (ttl <= 0) await this.announce();
    } catch (e) {
      this.linkLost(e);
    }
  }

  private currentState(server: Server): SavedServerState | undefined {
    return exportOperatorState(this.runtime).find((x) => x.backend === server.proxy.name && x.server === server.name);
  }

  /** Apply `want` and remember the result as shared, so the tick does not publish it back. */
  private bringTo(server: Server, want: SavedServerState, from: string): void {
    const cur = this.currentState(server);
    if (!cur) return;
    applyState(this.control, server, cur, want, from);
    const after = this.currentState(server)!;
    this.known.set(`${after.backend}/${after.server}`, canon(after));
  }

  private loadCache(): void {
    let cache: CacheFile;
    try {
      cache = JSON.parse(readFileSync(this.cacheFile, 'utf8')) as CacheFile;
    } catch {
      return;
    }
    this.revision = cache.revision;
    for (const [name, rev] of Object.entries(cache.revs)) this.revs.set(name, rev);
    const pending = new Set(cache.notShared);
    for (const s of cache.state) {
      const name = `${s.backend}/${s.server}`;
      const server = this.runtime.backend(s.backend)?.serversByName.get(s.server);
      if (!server) continue;
      if (canon(s) !== this.known.get(name)) this.bringTo(server, s, 'cache');
      if (pending.has(name)) this.pending.add(name);
    }
    this.log.event('notice', `Fleet: etcd unreachable at start, applied last known state from ${this.cacheFile} (etcd revision ${cache.revision}).`);
  }

  private writeCache(): void {
    const cache: CacheFile = {
      revision: this.revision,
      state: exportOperatorState(this.runtime),
      revs: Object.fromEntries(this.revs),
      notShared: [...this.pending],
    };
    try {
      mkdirSync(path.dirname(this.cacheFile), { recursive: true });
      const tmp = `${this.cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(cache));
      renameSync(tmp, this.cacheFile);
    } catch (e) {
      this.log.event('warning', `Fleet: cannot write ${this.cacheFile}: ${(e as Error).message}.`);
    }
  }
}

function describeState(s: SavedServerState): string {
  const admin = s.maint ? 'MAINT' : s.drain ? 'DRAIN' : 'READY';
  return s.weight !== undefined ? `${admin}, weight ${s.weight}` : admin;
}

/** Bring one server from `cur` to `want` through control/, one HAProxy action per fact that differs. */
export function applyState(control: Control, server: Server, cur: SavedServerState, want: SavedServerState, from: string): void {
  const actor = { via: 'fleet' as const, user: from };
  const act = (a: ServerAction): void => {
    control.serverAction(server, a, actor);
  };
  const st = server.state;
  if (want.weight !== undefined && want.weight !== st.weight) control.setWeight(server, String(want.weight), actor);
  if (want.weight === undefined && cur.weight !== undefined && st.weight !== st.initialWeight) {
    control.setWeight(server, String(st.initialWeight), actor);
  }
  if (want.healthChecks !== undefined && cur.healthChecks !== undefined && want.healthChecks !== cur.healthChecks) {
    act(want.healthChecks ? 'ehlth' : 'dhlth');
  }
  if (want.forcedHealth !== undefined && want.forcedHealth !== cur.forcedHealth) {
    act(want.forcedHealth === 'up' ? 'hrunn' : want.forcedHealth === 'stopping' ? 'hnolb' : 'hdown');
  }
  if (want.agentChecks !== undefined && cur.agentChecks !== undefined && want.agentChecks !== cur.agentChecks) {
    act(want.agentChecks ? 'eagent' : 'dagent');
  }
  const admin = (x: SavedServerState): ServerAction => (x.maint ? 'maint' : x.drain ? 'drain' : 'ready');
  if (admin(want) !== admin(cur)) act(admin(want));
}
