// The mission's seed config (shared/examples/seed-stats.cfg) moved to free ports, with
// two real node:http backends that answer with their own name.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/ports.js';
import { SEED_CONFIG } from '../helpers/shared.js';

export const SEED_PATH = SEED_CONFIG;

export interface Backend {
  name: string;
  port: number;
  /** Stop listening (checks then fail with connection refused). */
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function backend(name: string): Promise<Backend> {
  let server: http.Server | undefined;
  const b: Backend = {
    name,
    port: await freePort(),
    async start() {
      server = http.createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(name);
      });
      server.keepAliveTimeout = 1000;
      await new Promise<void>((r) => server!.listen(b.port, '127.0.0.1', r));
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    },
  };
  await b.start();
  return b;
}

export interface Seed {
  cfg: string;
  webPort: number;
  statsPort: number;
  web1: Backend;
  web2: Backend;
  close(): Promise<void>;
}

/** The seed config on free ports; `edit` may rewrite it further (e.g. the admin condition). */
export async function seedOnFreePorts(edit: (cfg: string) => string = (c) => c): Promise<Seed> {
  const [web1, web2] = [await backend('web1'), await backend('web2')];
  const webPort = await freePort();
  const statsPort = await freePort();
  const sock = path.join(tmpdir(), `switchyard-stats-${process.pid}-${statsPort}.sock`);
  const cfg = edit(
    readFileSync(SEED_PATH, 'utf8')
      .replace('/tmp/switchyard-example.sock', sock)
      .replace('127.0.0.1:8080', `127.0.0.1:${webPort}`)
      .replace('127.0.0.1:8081', `127.0.0.1:${web1.port}`)
      .replace('127.0.0.1:8082', `127.0.0.1:${web2.port}`)
      .replace('*:8404', `127.0.0.1:${statsPort}`),
  );
  return {
    cfg,
    webPort,
    statsPort,
    web1,
    web2,
    async close() {
      await Promise.all([web1.stop(), web2.stop()]);
    },
  };
}

export const ADMIN = 'Basic ' + Buffer.from('admin:admin888').toString('base64');

export async function statsCsv(port: number, suffix = ';csv;norefresh'): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}/stats${suffix}`, { headers: { authorization: ADMIN } });
  return r.text();
}

/** The `status` cell of one CSV row. */
export function csvStatus(csv: string, px: string, sv: string): string | undefined {
  const line = csv.split('\n').find((l) => l.startsWith(`${px},${sv},`));
  return line?.split(',')[17];
}

export async function until<T>(what: string, f: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
