// Shared pieces of the data-plane e2e tests: raw client exchanges, test backends, CSV reads.

import net from 'node:net';
import http from 'node:http';

/** Send `data` on a fresh connection; resolve with everything received until the server closes. */
export function rawExchange(port: number, data: string | Buffer, opts: { endAfterWrite?: boolean; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no close within timeout; got: ${JSON.stringify(out.slice(0, 300))}`));
    }, opts.timeoutMs ?? 10_000);
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    s.write(data);
    if (opts.endAfterWrite) s.end();
  });
}

/** A node:http backend that counts requests and TCP connections and echoes what it saw. */
export async function echoBackend(port: number): Promise<{ server: http.Server; requests: http.IncomingMessage[]; connections(): number; close(): Promise<void> }> {
  const requests: http.IncomingMessage[] = [];
  let conns = 0;
  const server = http.createServer((req, res) => {
    requests.push(req);
    let n = 0;
    req.on('data', (d: Buffer) => (n += d.length));
    req.on('end', () => {
      const body = JSON.stringify({ url: req.url, method: req.method, headers: req.headers, bodyBytes: n, port });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', () => conns++);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    server,
    requests,
    connections: () => conns,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A raw TCP backend answering each connection with `handler`. */
export async function rawBackend(port: number, handler: (s: net.Socket, firstChunk: Buffer) => void): Promise<{ server: net.Server; hits(): number; close(): Promise<void> }> {
  let hits = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.once('data', (d) => {
      hits++;
      handler(s, d);
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    server,
    hits: () => hits,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** One HTTP/1.1 GET with node:http (no agent keep-alive). */
export function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Rows of the stats CSV as objects keyed by column name. */
export async function statsRows(port: number, uri = '/stats'): Promise<Record<string, string>[]> {
  const res = await get(port, `${uri};csv`);
  const lines = res.body.trim().split('\n');
  const cols = lines[0]!.replace(/^# /, '').split(',');
  return lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

export async function statsRow(port: number, px: string, sv: string): Promise<Record<string, string>> {
  const row = (await statsRows(port)).find((r) => r.pxname === px && r.svname === sv);
  if (!row) throw new Error(`no stats row ${px}/${sv}`);
  return row;
}

export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
