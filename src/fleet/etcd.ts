// A small etcd v3 client over the JSON gateway (node:http): kv put/range/deleterange, leases and
// streaming watches. Keys and values travel base64-encoded; int64 fields arrive as strings.

import http from 'node:http';

export interface KeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: string;
}

export interface WatchEvent {
  type: 'PUT' | 'DELETE';
  kv: KeyValue;
}

export interface Watch {
  cancel(): void;
}

export interface WatchHandlers {
  /** Events of one etcd revision batch, in revision order. */
  onEvents(events: WatchEvent[], revision: number): void;
  /** The stream ended (etcd gone, compacted, or cancelled by us); `err` says why. */
  onEnd(err?: Error): void;
}

export class EtcdError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'EtcdError';
  }
}

type Json = Record<string, unknown>;

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: unknown): string => (typeof s === 'string' ? Buffer.from(s, 'base64').toString('utf8') : '');
const int = (v: unknown): number => (v === undefined ? 0 : Number(v));

/** The key just past every key that starts with `prefix` (etcd's range_end for a prefix scan). */
export function prefixEnd(prefix: string): string {
  const buf = Buffer.from(prefix, 'utf8');
  for (let i = buf.length - 1; i >= 0; i--) {
    if (buf[i]! < 0xff) {
      const end = Buffer.from(buf.subarray(0, i + 1));
      end[i] = buf[i]! + 1;
      return end.toString('base64');
    }
  }
  return Buffer.from([0]).toString('base64');
}

function toKv(raw: unknown): KeyValue {
  const r = (raw ?? {}) as Json;
  return {
    key: unb64(r.key),
    value: unb64(r.value),
    createRevision: int(r.create_revision),
    modRevision: int(r.mod_revision),
    version: int(r.version),
    lease: String(r.lease ?? '0'),
  };
}

export interface EtcdClientOptions {
  /** Per-request deadline for unary calls. */
  timeoutMs?: number;
}

export class EtcdClient {
  private current = 0;
  private readonly timeoutMs: number;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

  constructor(
    readonly endpoints: readonly string[],
    opts: EtcdClientOptions = {},
  ) {
    if (endpoints.length === 0) throw new EtcdError('no etcd endpoint');
    this.timeoutMs = opts.timeoutMs ?? 1500;
  }

  async put(key: string, value: string, opts: { lease?: string; prevKv?: boolean } = {}): Promise<{ revision: number; prevKv?: KeyValue }> {
    const body: Json = { key: b64(key), value: b64(value) };
    if (opts.lease) body.lease = opts.lease;
    if (opts.prevKv) body.prev_kv = true;
    const res = await this.call('/v3/kv/put', body);
    const out: { revision: number; prevKv?: KeyValue } = { revision: int((res.header as Json | undefined)?.revision) };
    if (res.prev_kv) out.prevKv = toKv(res.prev_kv);
    return out;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    return (await this.range(key)).kvs[0];
  }

  async range(key: string, opts: { prefix?: boolean } = {}): Promise<{ revision: number; kvs: KeyValue[] }> {
    const body: Json = { key: b64(key) };
    if (opts.prefix) body.range_end = prefixEnd(key);
    const res = await this.call('/v3/kv/range', body);
    const kvs = Array.isArray(res.kvs) ? res.kvs.map(toKv) : [];
    return { revision: int((res.header as Json | undefined)?.revision), kvs };
  }

  async deleteRange(key: string, opts: { prefix?: boolean } = {}): Promise<number> {
    const body: Json = { key: b64(key) };
    if (opts.prefix) body.range_end = prefixEnd(key);
    const res = await this.call('/v3/kv/deleterange', body);
    return int(res.deleted);
  }

  async leaseGrant(ttlSeconds: number): Promise<{ id: string; ttl: number }> {
    const res = await this.call('/v3/lease/grant', { TTL: String(ttlSeconds) });
    if (res.error) throw new EtcdError(String(res.error));
    return { id: String(res.ID), ttl: int(res.TTL) };
  }

  /** Renews a lease once; returns the remaining TTL (0 when the lease is gone). */
  async leaseKeepAlive(id: string): Promise<number> {
    const res = await this.call('/v3/lease/keepalive', { ID: id });
    const result = (res.result ?? res) as Json;
    return int(result.TTL);
  }

  async leaseRevoke(id: string): Promise<void> {
    await this.call('/v3/lease/revoke', { ID: id });
  }

  /**
   * Streams changes of `key` (or every key under it with `prefix`) from `startRevision` on.
   * Handlers are called until the stream ends; `cancel()` ends it without an error.
   */
  watch(key: string, opts: { prefix?: boolean; startRevision?: number }, handlers: WatchHandlers): Watch {
    const create: Json = { key: b64(key) };
    if (opts.prefix) create.range_end = prefixEnd(key);
    if (opts.startRevision) create.start_revision = String(opts.startRevision);
    let ended = false;
    let cancelled = false;
    const end = (err?: Error): void => {
      if (ended) return;
      ended = true;
      handlers.onEnd(cancelled ? undefined : (err ?? new EtcdError('watch stream closed')));
    };
    const url = new URL('/v3/watch', this.endpoint());
    const payload = JSON.stringify({ create_request: create });
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
    const req = http.request(url, { method: 'POST', headers }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        this.rotate();
        end(new EtcdError(`watch: HTTP ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) this.onWatchMessage(line, handlers, end);
        }
      });
      res.on('end', () => end());
      res.on('error', (e) => end(e));
    });
    req.on('error', (e) => {
      this.rotate();
      end(e);
    });
    // The gateway keeps streaming results after the request body ends.
    req.end(payload);
    return {
      cancel() {
        cancelled = true;
        req.destroy();
        end();
      },
    };
  }

  close(): void {
    this.agent.destroy();
  }

  private onWatchMessage(line: string, handlers: WatchHandlers, end: (err?: Error) => void): void {
    let msg: Json;
    try {
      msg = JSON.parse(line) as Json;
    } catch {
      end(new EtcdError('watch: bad message'));
      return;
    }
    if (msg.error) {
      end(new EtcdError(`watch: ${JSON.stringify(msg.error)}`));
      return;
    }
    const result = (msg.result ?? {}) as Json;
    if (result.canceled) {
      const why = result.compact_revision ? `compacted at ${String(result.compact_revision)}` : String(result.cancel_reason ?? 'canceled');
      end(new EtcdError(`watch: ${why}`));
      return;
    }
    const events = Array.isArray(result.events) ? result.events : [];
    if (events.length === 0) return;
    const out: WatchEvent[] = events.map((e: Json) => ({ type: e.type === 'DELETE' ? 'DELETE' : 'PUT', kv: toKv(e.kv) }));
    handlers.onEvents(out, int((result.header as Json | undefined)?.revision));
  }

  private endpoint(): string {
    return this.endpoints[this.current % this.endpoints.length]!;
  }

  /** After a failure, the next call tries the next endpoint. */
  private rotate(): void {
    this.current = (this.current + 1) % this.endpoints.length;
  }

  private call(path: string, body: Json): Promise<Json> {
    const url = new URL(path, this.endpoint());
    const payload = JSON.stringify(body);
    return new Promise<Json>((resolve, reject) => {
      const req = http.request(
        url,
        { method: 'POST', agent: this.agent, timeout: this.timeoutMs, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            // Streaming endpoints (keepalive) answer one JSON object per line.
            const first = text.split('\n').find((l) => l.trim()) ?? '{}';
            let json: Json;
            try {
              json = JSON.parse(first) as Json;
            } catch {
              reject(new EtcdError(`${path}: bad response (HTTP ${res.statusCode})`));
              return;
            }
            if (res.statusCode !== 200) {
              const err = json.error ?? json.message ?? `HTTP ${res.statusCode}`;
              reject(new EtcdError(`${path}: ${typeof err === 'string' ? err : JSON.stringify(err)}`, int(json.code)));
              return;
            }
            resolve(json);
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new EtcdError(`${path}: timeout after ${this.timeoutMs} ms`)));
      req.on('error', (e) => {
        this.rotate();
        reject(e);
      });
      req.end(payload);
    });
  }
}
