// `npm run soak`: Switchyard in master-worker mode (-W, nbthread 2) under mixed load for N
// minutes, with operator actions, reloads and a backend killed and restarted along the way.
// Samples RSS and open fds of the master and its workers every 5 s, prints the curve and a
// summary, and exits non-zero on any unexpected error or on RSS / fd growth.
//
//   node dist/bench/soak.js [--minutes N | --seconds N] [--reload-every S] [--json] [--keep]
//
// --reload-every 0 never reloads, so that workers live the whole run (a worker leak shows).
// --keep leaves the temp dir (config, access log) in place.
// Needs nothing but the repo: the backends are this same script run with `--backend`.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const BIN = path.resolve(path.dirname(SELF), '../../bin/switchyard.js');
const NBTHREAD = 2;
const SAMPLE_MS = 5_000;
const REQUEST_TIMEOUT_MS = 20_000;
// Verdict bounds: RSS may grow by this much over the warmed-up figure, fds by this many.
const RSS_GROWTH = 0.3;
const RSS_SLACK_MB = 15;
const FD_SLACK = 4;
const BACKEND_KEEPALIVE_MS = 2_000;
const STATS_AUTH = 'admin:soak-secret';
const KILL_GRACE_MS = 250;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- backend mode

/** A backend: GET answers its name, POST answers its name, the body length and its sha1. */
function runBackend(port: number, name: string): void {
  const srv = http.createServer({ keepAlive: true }, (req, res) => {
    if (req.method === 'POST') {
      const hash = createHash('sha1');
      let len = 0;
      req.on('data', (d: Buffer) => {
        len += d.length;
        hash.update(d);
      });
      req.on('end', () => res.end(`${name} ${len} ${hash.digest('hex')}\n`));
      return;
    }
    req.resume();
    res.end(`${name}\n`);
  });
  // Shorter than Node's default, so pooled connections idle at rest are closed by the time
  // the soak measures (and Switchyard meets servers closing idle connections often).
  srv.keepAliveTimeout = BACKEND_KEEPALIVE_MS;
  srv.listen(port, '127.0.0.1', () => process.send?.('listening'));
}

// ---------------------------------------------------------------- process tree sampling

function children(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const list = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (list) out.push(...list.split(/\s+/).map(Number));
    }
  } catch {
    // The process is gone.
  }
  return out;
}

function rssKB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

interface Sample {
  t: number;
  procs: number;
  rssMB: number;
  fds: number;
  /** The master lives through every reload; workers are replaced by each one. */
  masterMB: number;
  perProcess: { pid: number; rssMB: number; fds: number }[];
  requests: number;
  errors: number;
  events: string[];
}

// ---------------------------------------------------------------- clients

interface Tally {
  ok: number;
  /** Failed while a backend was being killed under it: HAProxy gives these a 502 too. */
  expected: number;
  errors: number;
}

interface Soak {
  tallies: Record<'keepalive' | 'newconn' | 'post' | 'tcp', Tally>;
  /** Each kind of error: how many, and when first and last seen (s since the start). */
  errorSamples: Map<string, { n: number; first: number; last: number }>;
  started: number;
  /** GETs whose reused keep-alive socket was closed before any answer, retried once as clients do. */
  clientRetries: number;
  /** Requests given up by the client on purpose (see abortOnce); not errors. */
  aborted: number;
  /**
   * Bumped when a backend is killed and again once it is gone: a request that saw it change,
   * or that failed meanwhile, was in flight during a kill.
   */
  killSeq: number;
  killing: boolean;
}

interface Answer {
  status: number;
  body: string;
}

/** One request; a failure carries `reused`: whether it went out on a kept-alive socket. */
function request(opts: http.RequestOptions, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(opts, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('request timed out')));
    req.on('error', (err: NodeJS.ErrnoException) => reject(Object.assign(err, { reused: req.reusedSocket })));
    req.end(body);
  });
}

function record(soak: Soak, kind: keyof Soak['tallies'], seq: number, failure: string | undefined): void {
  const tally = soak.tallies[kind];
  if (failure === undefined) tally.ok++;
  else if ((soak.killSeq !== seq || soak.killing) && /^(status 502|status 503|ECONNRESET|socket hang up)/.test(failure)) tally.expected++;
  else {
    const what = `${kind}: ${failure}`;
    tally.errors++;
    const at = Math.round((Date.now() - soak.started) / 100) / 10;
    const e = soak.errorSamples.get(what) ?? { n: 0, first: at, last: at };
    e.n++;
    e.last = at;
    soak.errorSamples.set(what, e);
  }
}

/** One GET; the body must be a backend's name. */
async function getOnce(soak: Soak, port: number, agent: http.Agent | false): Promise<string | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      const a = await request({ host: '127.0.0.1', port, path: '/', agent });
      if (a.status !== 200) return `status ${a.status}`;
      return /^s[123]\n$/.test(a.body) ? undefined : `unexpected body ${JSON.stringify(a.body.slice(0, 40))}`;
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { reused?: boolean };
      if (e.reused && attempt === 0 && (e.code === 'ECONNRESET' || e.message === 'socket hang up')) {
        soak.clientRetries++;
        continue;
      }
      return e.code ?? e.message;
    }
  }
}

/** One POST of a random body on a new connection; the backend's sha1 must match. */
async function postOnce(port: number): Promise<string | undefined> {
  const body = randomBytes(1 + Math.floor(Math.random() * 48 * 1024));
  const sum = createHash('sha1').update(body).digest('hex');
  try {
    const a = await request({ host: '127.0.0.1', port, path: '/upload', method: 'POST', agent: false, headers: { 'content-type': 'application/octet-stream' } }, body);
    if (a.status !== 200) return `status ${a.status}`;
    const [name, len, hash] = a.body.trim().split(' ');
    return /^s[123]$/.test(name ?? '') && Number(len) === body.length && hash === sum ? undefined : `POST body mismatch: ${a.body.slice(0, 60)}`;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return e.code ?? e.message;
  }
}

/** A client that gives up early: a partial head, or a POST cut mid-body; closed or reset. */
function abortOnce(port: number, n: number): Promise<void> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.on('error', () => undefined);
    c.on('close', () => resolve());
    c.on('connect', () => {
      const head = 'POST /upload HTTP/1.1\r\nHost: soak\r\nContent-Length: 100000\r\n\r\n';
      c.write(n % 3 === 0 ? head.slice(0, 20) : head + 'x'.repeat(n % 5000));
      setTimeout(() => (n % 2 ? c.resetAndDestroy() : c.destroy()), 20);
    });
  });
}

/** The load's switch: running, paused (to measure the processes at rest) or stopped. */
class Gate {
  state: 'run' | 'pause' | 'stop' = 'run';
  inFlight = 0;

  /** Whether to go on, once any pause is over. */
  async next(): Promise<boolean> {
    while (this.state === 'pause') await sleep(50);
    return this.state === 'run';
  }

  async track<T>(work: Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await work;
    } finally {
      this.inFlight--;
    }
  }
}

/** A client that repeats `one` with a pause between requests while the gate lets it. */
async function loop(gate: Gate, pauseMs: number, one: () => Promise<void>): Promise<void> {
  await sleep(Math.random() * pauseMs);
  while (await gate.next()) {
    await gate.track(one());
    await sleep(pauseMs);
  }
}

// ---------------------------------------------------------------- operator side

/** One command on the stats socket, as `echo cmd | socat` would send it. */
function cli(sock: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(sock);
    let out = '';
    c.setEncoding('utf8');
    c.setTimeout(10_000, () => c.destroy(new Error(`stats socket: no answer to '${line}'`)));
    c.on('data', (d: string) => (out += d));
    c.on('close', () => resolve(out));
    c.on('error', reject);
    c.end(line + '\n');
  });
}

function csvField(csv: string, px: string, sv: string, field: string): string | undefined {
  const lines = csv.split('\n');
  const header = (lines[0] ?? '').replace(/^# /, '').split(',');
  return lines.find((l) => l.startsWith(`${px},${sv},`))?.split(',')[header.indexOf(field)];
}

async function until(cond: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await Promise.resolve().then(cond).catch(() => false)) return true;
    await sleep(200);
  }
  return false;
}

/** The server's status as several socket connections (so both workers) report it. */
async function statusSettles(sock: string, sv: string, want: string, timeoutMs = 15_000): Promise<boolean> {
  return until(async () => {
    for (let i = 0; i < 3; i++) if (csvField(await cli(sock, 'show stat'), 'app', sv, 'status') !== want) return false;
    return true;
  }, timeoutMs);
}

type Via = 'socket' | 'page';
type Step = { via: Via; action: 'drain' | 'maint' | 'ready'; server: string } | { via: 'socket'; action: 'weight'; server: string; weight: number };

// In pairs, each ending with the server READY at full weight, so that at most one of s1/s2 is
// out at a time and s3 (the one killed now and then) never is.
const STEPS: Step[] = [
  { via: 'socket', action: 'drain', server: 's1' },
  { via: 'socket', action: 'ready', server: 's1' },
  { via: 'page', action: 'drain', server: 's2' },
  { via: 'page', action: 'ready', server: 's2' },
  { via: 'socket', action: 'maint', server: 's2' },
  { via: 'page', action: 'ready', server: 's2' },
  { via: 'page', action: 'maint', server: 's1' },
  { via: 'socket', action: 'ready', server: 's1' },
  { via: 'socket', action: 'weight', server: 's1', weight: 25 },
  { via: 'socket', action: 'weight', server: 's1', weight: 100 },
];

const STATUS_AFTER = { drain: 'DRAIN', maint: 'MAINT', ready: 'UP' } as const;

type AdminKey = 'socketDrain' | 'socketMaint' | 'socketReady' | 'pageDrain' | 'pageMaint' | 'pageReady' | 'weight';

function adminKey(step: Step): AdminKey {
  return step.action === 'weight' ? 'weight' : (`${step.via}${step.action[0]!.toUpperCase()}${step.action.slice(1)}` as AdminKey);
}

/** Take one step through the socket or the page; throws unless it shows on the socket. */
async function runStep(step: Step, sock: string, statsPort: number): Promise<void> {
  if (step.action === 'weight') {
    const answer = await cli(sock, `set weight app/${step.server} ${step.weight}`);
    if (answer.trim() !== '') throw new Error(`answered ${JSON.stringify(answer)}`);
    const ok = await until(async () => (await cli(sock, `get weight app/${step.server}`)).startsWith(`${step.weight} `), 15_000);
    if (!ok) throw new Error('the weight did not change');
    return;
  }
  if (step.via === 'socket') {
    const answer = await cli(sock, `set server app/${step.server} state ${step.action}`);
    if (answer.trim() !== '') throw new Error(`answered ${JSON.stringify(answer)}`);
  } else {
    const a = await request(
      { host: '127.0.0.1', port: statsPort, path: '/stats', method: 'POST', agent: false, auth: STATS_AUTH, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      Buffer.from(`s=${step.server}&action=${step.action}&b=app`),
    );
    if (a.status !== 303) throw new Error(`page answered ${a.status}`);
  }
  if (!(await statusSettles(sock, step.server, STATUS_AFTER[step.action]))) throw new Error(`status did not become ${STATUS_AFTER[step.action]}`);
}

// ---------------------------------------------------------------- the run

interface Options {
  seconds: number;
  /** Seconds between reloads, 0 for none; by default 60, fewer for short runs. */
  reloadEvery?: number;
  json: boolean;
  keep: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { seconds: 600, json: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--minutes') o.seconds = Number(argv[++i]) * 60;
    else if (a === '--seconds') o.seconds = Number(argv[++i]);
    else if (a === '--reload-every') o.reloadEvery = Number(argv[++i]);
    else if (a === '--json') o.json = true;
    else if (a === '--keep') o.keep = true;
    else throw new Error(`unknown argument '${a}' (usage: soak.js [--minutes N | --seconds N] [--reload-every S] [--json] [--keep])`);
  }
  if (!(o.seconds >= 20)) throw new Error('the soak needs at least 20 seconds');
  if (o.reloadEvery !== undefined && !(o.reloadEvery >= 0)) throw new Error('--reload-every takes seconds, 0 for none');
  return o;
}

/** Listen on `port` (0: any) and let go: the port it got, or undefined if taken. */
function tryPort(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = net.createServer().on('error', () => resolve(undefined));
    s.listen(port, '127.0.0.1', () => {
      const got = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(got));
    });
  });
}

async function freePort(): Promise<number> {
  return (await tryPort(0))!;
}

/**
 * A free port below the kernel's ephemeral range, for a backend: while it is killed, no
 * outgoing connection or port-0 bind of another program can take its port and answer.
 */
async function backendPort(): Promise<number> {
  const range = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
  const low = Number(range[0]) || 32768;
  for (;;) {
    const port = await tryPort(Math.max(1024, low - 1000 - Math.floor(Math.random() * 10_000)));
    if (port !== undefined) return port;
  }
}

function startBackend(port: number, name: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [SELF, '--backend', String(port), name], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    p.once('message', () => resolve(p));
    p.once('exit', (code) => reject(new Error(`backend ${name} exited (${code}) before listening`)));
  });
}

function configText(dir: string, p: { web: number; tcp: number; stats: number; be: number[] }): string {
  const servers = (check: string) => p.be.map((port, i) => `    server s${i + 1} 127.0.0.1:${port} ${check}`).join('\n');
  return `global
    nbthread ${NBTHREAD}
    hard-stop-after 10s
    stats socket ${path.join(dir, 'admin.sock')} level admin

defaults
    mode http
    log stdout format raw local0 info
    option httplog
    retries 3
    option redispatch
    timeout connect 2s
    timeout client 30s
    timeout server 15s
    timeout check 2s

frontend web
    bind 127.0.0.1:${p.web}
    default_backend app

backend app
    balance roundrobin
    option httpchk GET /health
${servers('check inter 1s fall 2 rise 2 weight 100')}

listen tcpin
    mode tcp
    option tcplog
    bind 127.0.0.1:${p.tcp}
${servers('check inter 1s fall 2 rise 2')}

listen stats
    bind 127.0.0.1:${p.stats}
    stats enable
    stats uri /stats
    stats refresh 5s
    stats auth ${STATS_AUTH}
    stats admin if TRUE
`;
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const elapsed = (): number => (Date.now() - started) / 1000;
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-soak-'));
  const backends: (ChildProcess | undefined)[] = [];
  let master: ChildProcess | undefined;
  const cleanup = (): void => {
    for (const b of backends) if (b && b.exitCode === null) b.kill('SIGKILL');
    if (master && master.exitCode === null) master.kill('SIGKILL');
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  process.on('SIGINT', () => process.exit(130));

  // Timeline: warm-up, then operator actions, then a quiet tail with load only.
  const D = opts.seconds;
  const warm = Math.round(Math.min(30, Math.max(5, D * 0.15)));
  const tail = Math.min(20, Math.max(8, D * 0.2));
  const window = D - warm - tail;
  const reloadEvery = opts.reloadEvery ?? Math.min(60, window / 2);
  const killEvery = Math.min(90, window);
  const downFor = Math.min(10, Math.max(3, killEvery / 6));
  const stepEvery = Math.min(5, Math.max(1, window / (STEPS.length + 2)));

  const [web, tcp, stats] = [await freePort(), await freePort(), await freePort()];
  const be: number[] = [];
  while (be.length < 3) {
    const port = await backendPort();
    if (!be.includes(port)) be.push(port);
  }
  for (const [i, port] of be.entries()) backends.push(await startBackend(port, `s${i + 1}`));
  const cfgPath = path.join(dir, 'haproxy.cfg');
  writeFileSync(cfgPath, configText(dir, { web, tcp, stats, be }));
  const sock = path.join(dir, 'admin.sock');
  const logPath = path.join(dir, 'access.log');

  // The access log goes to the master's stdout, which the workers share: a file here.
  const logFd = openSync(logPath, 'a');
  master = spawn(process.execPath, [BIN, '-W', '-f', cfgPath], { stdio: ['ignore', logFd, 'pipe'] });
  closeSync(logFd);
  const masterPid = master.pid!;
  const masterExit = new Promise<number | null>((r) => master!.on('exit', (code) => r(code)));
  let loaded = 0;
  const alerts: string[] = [];
  const recent: string[] = [];
  const events: string[] = [];
  createInterface({ input: master.stderr! }).on('line', (line) => {
    recent.push(line);
    if (recent.length > 40) recent.shift();
    if (line.includes('Loading success.')) loaded++;
    if (line.includes('[ALERT]')) alerts.push(line);
  });
  const ready = await until(async () => {
    if (master!.exitCode !== null) throw new Error(`switchyard exited ${master!.exitCode}:\n${recent.join('\n')}`);
    const csv = await cli(sock, 'show stat');
    return loaded >= 1 && ['s1', 's2', 's3'].every((s) => csvField(csv, 'app', s, 'status') === 'UP');
  }, 30_000);
  if (!ready) throw new Error(`switchyard did not come up with every server UP:\n${recent.join('\n')}`);

  const soak: Soak = {
    tallies: {
      keepalive: { ok: 0, expected: 0, errors: 0 },
      newconn: { ok: 0, expected: 0, errors: 0 },
      post: { ok: 0, expected: 0, errors: 0 },
      tcp: { ok: 0, expected: 0, errors: 0 },
    },
    errorSamples: new Map(),
    started,
    clientRetries: 0,
    aborted: 0,
    killSeq: 0,
    killing: false,
  };
  const totals = (): { requests: number; errors: number } => {
    const ts = Object.values(soak.tallies);
    return { requests: ts.reduce((a, t) => a + t.ok + t.expected + t.errors, 0), errors: ts.reduce((a, t) => a + t.errors, 0) };
  };

  // Load: ~100 req/s over 20 keep-alive clients, ~25/s on new connections, ~10 POSTs/s
  // with bodies up to 48 KiB, ~15/s through the tcp-mode frontend, ~5/s given up early.
  const gate = new Gate();
  // Each keep-alive client is one connection of its own.
  const kaAgents = Array.from({ length: 20 }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const checked = (kind: keyof Soak['tallies'], one: () => Promise<string | undefined>) => async (): Promise<void> => {
    const seq = soak.killSeq;
    record(soak, kind, seq, await one());
  };
  const load = [
    ...kaAgents.map((agent) => loop(gate, 200, checked('keepalive', () => getOnce(soak, web, agent)))),
    loop(gate, 40, checked('newconn', () => getOnce(soak, web, false))),
    loop(gate, 100, checked('post', () => postOnce(web))),
    loop(gate, 65, checked('tcp', () => getOnce(soak, tcp, false))),
    loop(gate, 200, () => abortOnce(web, soak.aborted++)),
  ];

  const samples: Sample[] = [];
  const sample = (note?: string): Sample => {
    if (note) events.push(note);
    const pids = [masterPid, ...children(masterPid)];
    const perProcess = pids.map((pid) => ({ pid, rssMB: rssKB(pid) / 1024, fds: fdCount(pid) }));
    const s: Sample = {
      t: Math.round(elapsed()),
      procs: pids.length,
      rssMB: perProcess.reduce((a, p) => a + p.rssMB, 0),
      masterMB: perProcess[0]!.rssMB,
      fds: perProcess.reduce((a, p) => a + p.fds, 0),
      perProcess,
      ...totals(),
      events: events.splice(0),
    };
    samples.push(s);
    if (!opts.json) process.stdout.write(row(s) + '\n');
    return s;
  };
  if (!opts.json) {
    const plan = `soak: ${D} s, warm-up ${warm} s, ${reloadEvery ? `reload every ${reloadEvery.toFixed(0)} s` : 'no reload'}, kill s3 every ${killEvery.toFixed(0)} s for ${downFor.toFixed(0)} s, an operator step every ${stepEvery.toFixed(1)} s`;
    process.stdout.write(`${plan}\n${header()}\n`);
  }
  const sampler = setInterval(sample, SAMPLE_MS);
  /**
   * Sample with no request in flight and the servers' idle keep-alive closed: fds and RSS
   * compare like for like, the 20 keep-alive clients connected and nothing else.
   */
  const atRest = async (): Promise<Sample> => {
    if (gate.state === 'run') gate.state = 'pause';
    await until(() => gate.inFlight === 0, 30_000);
    await sleep(BACKEND_KEEPALIVE_MS + 1_000);
    const s = sample('at rest');
    if (gate.state === 'pause') gate.state = 'run';
    return s;
  };

  const admin: Record<AdminKey, number> = { socketDrain: 0, socketMaint: 0, socketReady: 0, pageDrain: 0, pageMaint: 0, pageReady: 0, weight: 0 };
  const adminFailures: string[] = [];
  let reloads = 0;
  let kills = 0;
  const reloadFailures: string[] = [];
  const killFailures: string[] = [];
  const opsEnd = warm + window;

  await sleep(warm * 1000);
  const baseline = await atRest();

  const operator = async (): Promise<void> => {
    // At least one full round of steps, however short the run; and never stop mid-pair.
    for (let i = 0; elapsed() < opsEnd || i % 2 === 1 || i < STEPS.length; i++) {
      const step = STEPS[i % STEPS.length]!;
      const label = `${step.via} ${step.action} ${step.server}${step.action === 'weight' ? ` ${step.weight}` : ''}`;
      try {
        await runStep(step, sock, stats);
        admin[adminKey(step)]++;
        events.push(label);
      } catch (err) {
        adminFailures.push(`${Math.round(elapsed())} s: ${label}: ${err instanceof Error ? err.message : String(err)}`);
      }
      // The page is read between actions as an operator watching it would.
      const page = i % 2 ? '/stats' : '/stats;csv';
      const shown = await request({ host: '127.0.0.1', port: stats, path: page, agent: false, auth: STATS_AUTH }).catch((err: Error) => ({ status: 0, body: err.message }));
      if (shown.status !== 200 || (page === '/stats;csv' && !shown.body.includes('\napp,s1,'))) {
        adminFailures.push(`${Math.round(elapsed())} s: GET ${page}: ${shown.status} ${shown.body.slice(0, 80)}`);
      }
      await sleep(stepEvery * 1000);
    }
  };

  const reloader = async (): Promise<void> => {
    if (reloadEvery === 0) return;
    for (let next = warm + reloadEvery / 2; next < opsEnd; next += reloadEvery) {
      await sleep(Math.max(0, next - elapsed()) * 1000);
      const before = loaded;
      master!.kill('SIGUSR2');
      if (await until(() => loaded > before, 30_000)) {
        reloads++;
        events.push('reload');
      } else reloadFailures.push(`${Math.round(elapsed())} s: no 'Loading success.' after SIGUSR2`);
    }
  };

  const killer = async (): Promise<void> => {
    for (let next = warm + killEvery * 0.3; next + downFor < opsEnd; next += killEvery) {
      await sleep(Math.max(0, next - elapsed()) * 1000);
      // The exit can be seen here after Switchyard already answered for the dying server, so
      // the window closes a little after it.
      const gone = new Promise((r) => backends[2]!.once('exit', r));
      soak.killing = true;
      soak.killSeq++;
      backends[2]!.kill('SIGKILL');
      await gone;
      await sleep(KILL_GRACE_MS);
      soak.killSeq++;
      soak.killing = false;
      events.push('kill s3');
      if (!(await statusSettles(sock, 's3', 'DOWN'))) killFailures.push(`${Math.round(elapsed())} s: s3 killed but not seen DOWN`);
      await sleep(downFor * 1000);
      backends[2] = await startBackend(be[2]!, 's3');
      events.push('restart s3');
      if (await statusSettles(sock, 's3', 'UP', 20_000)) kills++;
      else killFailures.push(`${Math.round(elapsed())} s: s3 restarted but not seen UP`);
    }
  };

  await Promise.all([operator(), reloader(), killer()]);

  // The end figure is taken at rest like the baseline (the keep-alive clients still
  // connected), once a reload's former workers are gone, so both count the same processes.
  await sleep(Math.max(0, D - elapsed()) * 1000);
  gate.state = 'stop';
  await Promise.all(load);
  const settled = await until(() => children(masterPid).length === NBTHREAD, 30_000);
  clearInterval(sampler);
  const end = await atRest();
  for (const a of kaAgents) a.destroy();

  master.kill('SIGUSR1');
  const exitCode = await Promise.race([masterExit, sleep(20_000).then(() => 'timeout' as const)]);

  // Every answered request is in the access log; the 5xx ones say which server and timers.
  let webLogLines = 0;
  const log5xx: string[] = [];
  for await (const line of createInterface({ input: createReadStream(logPath) })) {
    if (!/ web app\//.test(line)) continue;
    webLogLines++;
    if (/ web app\/\S+ \S+ 5\d\d /.test(line) && log5xx.length < 10) log5xx.push(line);
  }
  const httpOk = soak.tallies.keepalive.ok + soak.tallies.newconn.ok + soak.tallies.post.ok;

  const max = samples.reduce((m, s) => Math.max(m, s.rssMB), 0);
  const { requests, errors } = totals();
  const reasons: string[] = [];
  if (errors > 0) reasons.push(`${errors} unexpected errors`);
  if (alerts.length > 0) reasons.push(`${alerts.length} ALERT lines from switchyard`);
  if (adminFailures.length > 0) reasons.push(`${adminFailures.length} admin actions failed`);
  if (reloadFailures.length > 0 || (reloads === 0 && reloadEvery > 0)) reasons.push(`reloads: ${reloads} done, ${reloadFailures.length} failed`);
  if (killFailures.length > 0) reasons.push(`${killFailures.length} backend kill/restart not seen by checks`);
  if (end.rssMB > baseline.rssMB * (1 + RSS_GROWTH) + RSS_SLACK_MB) reasons.push(`RSS grew from ${baseline.rssMB.toFixed(1)} to ${end.rssMB.toFixed(1)} MB`);
  if (end.fds > baseline.fds + FD_SLACK) reasons.push(`fds grew from ${baseline.fds} to ${end.fds}`);
  if (webLogLines < httpOk) reasons.push(`${webLogLines} access log lines for ${httpOk} answered http requests`);
  if (!settled) reasons.push('former workers still running at the end');
  if (exitCode !== 0) reasons.push(`the master's graceful stop ended with ${exitCode}`);

  const summary = {
    seconds: Math.round(elapsed()),
    requests,
    errors,
    byKind: soak.tallies,
    expectedDuringKill: Object.values(soak.tallies).reduce((a, t) => a + t.expected, 0),
    clientRetries: soak.clientRetries,
    errorSamples: Object.fromEntries([...soak.errorSamples].slice(0, 20)),
    reloads,
    kills,
    admin,
    failures: [...adminFailures, ...reloadFailures, ...killFailures, ...alerts].slice(0, 20),
    webLogLines,
    log5xx,
    httpOk,
    rssMB: { start: round1(baseline.rssMB), end: round1(end.rssMB), max: round1(max) },
    masterMB: { start: round1(baseline.masterMB), end: round1(end.masterMB) },
    fds: { start: baseline.fds, end: end.fds },
    ok: reasons.length === 0,
    reasons,
    aborted: soak.aborted,
    samples: samples.map(({ perProcess: _p, ...s }) => ({ ...s, rssMB: round1(s.rssMB), masterMB: round1(s.masterMB) })),
  };
  if (opts.json) process.stdout.write(JSON.stringify(summary) + '\n');
  else {
    const lines = [
      '',
      `requests ${requests} (keep-alive ${soak.tallies.keepalive.ok}, new-connection ${soak.tallies.newconn.ok}, POST ${soak.tallies.post.ok}, tcp ${soak.tallies.tcp.ok} ok)`,
      `${soak.aborted} requests given up early by the client`,
      `errors ${errors} unexpected, ${summary.expectedDuringKill} in flight during a backend kill, ${soak.clientRetries} client retries of a closed keep-alive socket`,
      `reloads ${reloads}, backend kills ${kills}, admin actions ${JSON.stringify(admin)}`,
      `RSS MB start ${summary.rssMB.start} end ${summary.rssMB.end} max ${summary.rssMB.max} (master alone ${summary.masterMB.start} → ${summary.masterMB.end})`,
      `fds start ${baseline.fds} end ${end.fds} (at rest); access log lines for the web frontend ${webLogLines} for ${httpOk} answered`,
      ...[...soak.errorSamples].slice(0, 10).map(([what, e]) => `  error ×${e.n} between ${e.first} and ${e.last} s: ${what}`),
      ...summary.failures.map((f) => `  failure: ${f}`),
      ...log5xx.map((l) => `  5xx in the access log: ${l}`),
      reasons.length === 0 ? 'PASS' : `FAIL: ${reasons.join('; ')}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  return reasons.length === 0 ? 0 : 1;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

function header(): string {
  return `${'t s'.padStart(6)}${'procs'.padStart(7)}${'rss MB'.padStart(9)}${'master'.padStart(8)}${'fds'.padStart(6)}${'req'.padStart(9)}${'errors'.padStart(8)}  events`;
}

function row(s: Sample): string {
  return `${String(s.t).padStart(6)}${String(s.procs).padStart(7)}${s.rssMB.toFixed(1).padStart(9)}${s.masterMB.toFixed(1).padStart(8)}${String(s.fds).padStart(6)}${String(s.requests).padStart(9)}${String(s.errors).padStart(8)}  ${s.events.join(', ')}`;
}

if (process.argv[2] === '--backend') runBackend(Number(process.argv[3]), process.argv[4] ?? 's');
else {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`soak: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(2);
    },
  );
}
