// Shared by the admin-surface hardening tests: raw HTTP from a chosen loopback source, the
// stats CSV's state columns, a runtime API line, polling.

import http from 'node:http';
import net from 'node:net';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** When the request was sent and when its answer arrived (Date.now()). */
  sent: number;
  at: number;
}

export function basic(user: string, password: string): string {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
}

/** One request on its own connection from `localAddress` (127.0.0.1 unless told). */
export function request(
  port: number,
  target: string,
  opts: { auth?: string; method?: string; body?: string | Buffer; headers?: Record<string, string>; localAddress?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const sent = Date.now();
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.auth) headers.authorization = opts.auth;
    if (opts.body !== undefined) headers['content-type'] ??= 'application/x-www-form-urlencoded';
    const req = http.request(
      { host: '127.0.0.1', port, path: target, method: opts.method ?? 'GET', headers, agent: false, localAddress: opts.localAddress ?? '127.0.0.1' },
      (res) => {
        const at = Date.now();
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), sent, at }));
        res.on('error', reject);
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error(`no answer to ${target} within 20 s`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** `pxname,svname,status,weight,...` state columns of every row of `;csv` (no counters, no ages). */
export async function csvState(port: number, auth: string): Promise<string[]> {
  const r = await request(port, '/stats;csv', { auth });
  if (r.status !== 200) throw new Error(`;csv answered ${r.status}`);
  const lines = r.body.trim().split('\n');
  const head = lines[0]!.replace(/^# /, '').split(',');
  const cols = ['pxname', 'svname', 'status', 'weight', 'act', 'bck', 'chkdown', 'check_status', 'agent_status', 'qlimit', 'slim'].map((c) => head.indexOf(c));
  return lines.slice(1).map((l) => {
    const f = l.split(',');
    // a leading `* ` only says a check is running right now
    return cols.map((i) => (i < 0 ? '?' : f[i]!.replace(/^\* /, ''))).join(',');
  });
}

/** One command on a `stats socket` (unix path), the whole answer. */
export function socketCommand(sockPath: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(sockPath);
    let out = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => (out += d));
    s.on('end', () => resolve(out));
    s.on('error', reject);
    s.setTimeout(15_000, () => s.destroy(new Error(`no answer to ${JSON.stringify(line.slice(0, 60))}`)));
    s.end(line + '\n');
  });
}

export async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
