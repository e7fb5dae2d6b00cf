// Programmable faulty HTTP backends on node:net, and a bounded keep-alive load driver that
// classifies every outcome a client can see (a status, a close before any byte, a cut body).

import net from 'node:net';

/**
 * What a backend does with each request head it reads:
 * - healthy: a complete 200 on a keep-alive connection
 * - hang: reads the request and never answers
 * - reset-before-response: RST before any response byte
 * - close-before-response: FIN before any response byte (a server process that exits)
 * - reset-mid-header / reset-mid-body: part of the response, then RST
 * - close-mid-header / close-mid-body: part of the response, then FIN
 * - garbage: bytes that are not HTTP, connection left open
 * - close-after-response: a complete keep-alive 200, then a FIN right after it
 */
export type Fault =
  | 'healthy'
  | 'hang'
  | 'reset-before-response'
  | 'close-before-response'
  | 'reset-mid-header'
  | 'close-mid-header'
  | 'reset-mid-body'
  | 'close-mid-body'
  | 'garbage'
  | 'close-after-response';

export interface FaultBackend {
  readonly port: number;
  /** Request heads read (health-check connections send none). */
  requests(): number;
  /** Responses written in full. */
  answered(): number;
  connections(): number;
  listening(): boolean;
  /**
   * Stop accepting (new connects are refused); keep-alive connections between two requests get a
   * FIN, the others close after their next response (or after a second without one).
   */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export const BODY = 'x'.repeat(2048);
const HEAD_200 = `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${BODY.length}\r\n\r\n`;
/** Long enough that a cut in the middle leaves the proxy with a head it cannot finish. */
const PARTIAL_HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nx-filler: ' + 'f'.repeat(200);
const GARBAGE = 'SSH-2.0-OpenSSH_9.2 \x00\x01\x02 not a response\r\n\r\n';
/** Time for bytes already written to reach the proxy before the reset overtakes them. */
const BEFORE_RESET_MS = 30;

export async function faultBackend(port: number, fault: Fault): Promise<FaultBackend> {
  let requests = 0;
  let answered = 0;
  let connections = 0;
  /** Connections between two requests, after serving at least one (a graceful stop closes these). */
  const idle = new Set<net.Socket>();
  const all = new Set<net.Socket>();
  let stopping = false;

  const reset = (s: net.Socket): void => {
    if (!s.destroyed) s.resetAndDestroy();
  };
  const later = (s: net.Socket, data: string): void => {
    s.write(data, 'latin1', () => setTimeout(() => reset(s), BEFORE_RESET_MS));
  };

  const serve = (s: net.Socket, buf: { data: string }): void => {
    for (;;) {
      const end = buf.data.indexOf('\r\n\r\n');
      // A request that arrives after this side closed is never read by a real server either.
      if (end < 0 || s.writableEnded) return;
      buf.data = buf.data.slice(end + 4);
      requests++;
      idle.delete(s);
      switch (fault) {
        case 'healthy':
        case 'close-after-response':
          s.write(HEAD_200 + BODY, 'latin1');
          answered++;
          if (fault === 'close-after-response' || stopping) return void s.end();
          idle.add(s);
          break;
        case 'hang':
          return;
        case 'reset-before-response':
          return reset(s);
        case 'close-before-response':
          return void s.end();
        case 'reset-mid-header':
          return later(s, PARTIAL_HEAD);
        case 'reset-mid-body':
          return later(s, HEAD_200 + BODY.slice(0, BODY.length / 2));
        case 'close-mid-header':
          return void s.end(PARTIAL_HEAD, 'latin1');
        case 'close-mid-body':
          return void s.end(HEAD_200 + BODY.slice(0, BODY.length / 2), 'latin1');
        case 'garbage':
          s.write(GARBAGE, 'latin1');
          return;
      }
    }
  };

  const server = net.createServer((s) => {
    connections++;
    all.add(s);
    const buf = { data: '' };
    s.on('error', () => {});
    s.on('close', () => {
      all.delete(s);
      idle.delete(s);
    });
    s.on('data', (d: Buffer) => {
      buf.data += d.toString('latin1');
      serve(s, buf);
    });
  });

  const start = (): Promise<void> =>
    new Promise((resolve, reject) => {
      stopping = false;
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await start();

  return {
    port,
    requests: () => requests,
    answered: () => answered,
    connections: () => connections,
    listening: () => server.listening,
    async stop() {
      stopping = true;
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const s of all) {
        if (idle.has(s)) s.end();
        else s.setTimeout(1000, () => s.end());
      }
      await closed;
    },
    start,
    async close() {
      stopping = true;
      for (const s of all) s.destroy();
      if (server.listening) await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * Stop and restart `b` at random moments (down and up phases of `minMs`..`maxMs`) until the
 * returned function is called; it resolves with the number of deaths once `b` listens again.
 */
export function flap(b: FaultBackend, minMs: number, maxMs: number, random: () => number = Math.random): () => Promise<number> {
  let running = true;
  let cycles = 0;
  const pause = (): Promise<void> => new Promise((r) => setTimeout(r, minMs + Math.floor(random() * (maxMs - minMs))));
  const loop = (async () => {
    while (running) {
      await pause();
      if (!running) break;
      await b.stop();
      cycles++;
      await pause();
      await b.start();
    }
  })();
  return async () => {
    running = false;
    await loop;
    if (!b.listening()) await b.start();
    if (cycles === 0) throw new Error('the backend never went down');
    return cycles;
  };
}

/** A loopback port with nothing listening: connects are refused. */
export async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** What one request ended with: an HTTP status, a close before any byte, or a cut response. */
export type Outcome = number | 'close' | 'truncated' | 'stuck';

export interface LoadResult {
  outcomes: Map<Outcome, number>;
  /** Requests sent (each has exactly one outcome). */
  sent: number;
  /** Client connections opened. */
  connections: number;
}

export function count(r: LoadResult, o: Outcome): number {
  return r.outcomes.get(o) ?? 0;
}

export function summary(r: LoadResult): string {
  return [...r.outcomes].map(([k, v]) => `${k}=${v}`).join(' ');
}

/**
 * `total` GETs of `path` over `clients` keep-alive connections to 127.0.0.1:`port`; a client
 * whose connection ends reconnects. Whatever is still open at `deadlineMs` counts as 'stuck'.
 */
export async function keepAliveLoad(port: number, opts: { path: string; total: number; clients: number; deadlineMs: number }): Promise<LoadResult> {
  const outcomes = new Map<Outcome, number>();
  let issued = 0;
  let connections = 0;
  let over = false;
  const record = (o: Outcome): void => void outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
  const sockets = new Set<net.Socket>();
  const request = `GET ${opts.path} HTTP/1.1\r\nhost: switchyard.test\r\n\r\n`;

  const client = (): Promise<void> =>
    new Promise((done) => {
      let sock: net.Socket | undefined;
      let pending = false;
      let buf: Buffer = Buffer.alloc(0);
      let bodyLeft = -1;
      let status = 0;
      let closeAfter = false;

      const next = (): void => {
        if (over || issued >= opts.total) {
          sock?.destroy();
          return done();
        }
        if (!sock) return open();
        issued++;
        pending = true;
        buf = Buffer.alloc(0);
        bodyLeft = -1;
        status = 0;
        sock.write(request);
      };
      const open = (): void => {
        connections++;
        const s = net.connect(port, '127.0.0.1');
        sock = s;
        sockets.add(s);
        s.on('error', () => {});
        s.on('connect', next);
        s.on('data', (d: Buffer) => {
          if (!pending) return;
          buf = buf.length ? Buffer.concat([buf, d]) : d;
          if (bodyLeft < 0) {
            const end = buf.indexOf('\r\n\r\n');
            if (end < 0) return;
            const head = buf.toString('latin1', 0, end);
            status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
            bodyLeft = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
            closeAfter = /\r\nconnection:\s*close/i.test(head);
            buf = buf.subarray(end + 4);
          }
          if (buf.length < bodyLeft) return;
          pending = false;
          record(status);
          if (closeAfter) {
            s.destroy();
            sock = undefined;
          }
          next();
        });
        s.on('close', () => {
          sockets.delete(s);
          if (sock !== s) return;
          sock = undefined;
          if (pending) {
            pending = false;
            record(status === 0 && buf.length === 0 ? 'close' : 'truncated');
          }
          next();
        });
      };
      open();
    });

  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((r) => (timer = setTimeout(r, opts.deadlineMs)));
  const all = Promise.all(Array.from({ length: opts.clients }, client));
  await Promise.race([all, expired]);
  over = true;
  clearTimeout(timer);
  const stuck = issued - [...outcomes.values()].reduce((a, b) => a + b, 0);
  if (stuck > 0) outcomes.set('stuck', stuck);
  for (const s of sockets) s.destroy();
  return { outcomes, sent: issued, connections };
}

/** One GET on its own connection (`connection: close`): its status, or how the connection ended. */
export function freshRequest(port: number, path: string, timeoutMs = 10_000): Promise<Outcome> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => s.destroy(), timeoutMs);
    s.on('error', () => {});
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (all.length === 0) return resolve('close');
      const head = all.toString('latin1', 0, Math.max(end, 0));
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? -1);
      if (end < 0 || all.length - end - 4 < length) return resolve('truncated');
      resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0));
    });
    s.write(`GET ${path} HTTP/1.1\r\nhost: switchyard.test\r\nconnection: close\r\n\r\n`);
  });
}

/** `n` fresh-connection GETs, `concurrency` at a time. */
export async function freshRequests(port: number, path: string, n: number, concurrency: number): Promise<LoadResult> {
  const outcomes = new Map<Outcome, number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      const o = await freshRequest(port, path);
      outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { outcomes, sent: n, connections: n };
}
