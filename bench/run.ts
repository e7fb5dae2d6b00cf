// `npm run bench`: wrk through Switchyard and HAProxy 2.6 on the same config, in http and tcp
// mode, plus nginx directly, interleaved in one run. The proxy is pinned to CPU 0, wrk and
// nginx to CPU 1. Prints req/s, p50, p99, CPU-µs per request (from /proc) and peak RSS, and
// Switchyard/HAProxy ratios. Environment: BENCH_DURATION (s, default 10), BENCH_ROUNDS (1),
// BENCH_ONLY (comma-separated row labels, e.g. `http,tcp`), BENCH_CONNS (e.g. `50`).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { DATA_PLANE_NODE_FLAGS } from '../src/process/node-flags.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const CONNS = (process.env.BENCH_CONNS ?? '50,200').split(',').map(Number);
const ONLY = process.env.BENCH_ONLY?.split(',');
const TICK_US = 1e6 / Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim() || 100);

function need(): void {
  const missing = [['nginx', 'nginx-light'], ['wrk', 'wrk'], ['haproxy', 'haproxy'], ['taskset', 'util-linux']].filter(
    ([cmd]) => spawnSync('sh', ['-c', `command -v ${cmd} || test -x /usr/sbin/${cmd}`]).status !== 0,
  );
  if (missing.length > 0) {
    process.stderr.write(`missing: ${missing.map((m) => m[0]).join(', ')}\ninstall with: sudo apt-get install -y ${missing.map((m) => m[1]).join(' ')}\n`);
    process.exit(1);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** utime+stime of pid and all its descendants, in µs. */
function treeCpuUs(pid: number): number {
  let total = 0;
  const visit = (p: number): void => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12])) * TICK_US;
      for (const tid of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) visit(Number(tid));
    } catch {
      // process gone
    }
  };
  visit(pid);
  return total;
}

function peakRssMB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

function parseMs(s: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(s);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  cpuUsPerReq: number;
  rssMB: number;
}

/** wrk runs asynchronously so this process keeps counting syslog datagrams meanwhile. */
function wrk(port: number, conns: number, seconds: number): Promise<{ rps: number; p50: number; p99: number; requests: number }> {
  return new Promise((resolve) => {
    const p = spawn('taskset', ['-c', '1', 'wrk', '-t1', `-c${conns}`, `-d${seconds}s`, '--latency', `http://127.0.0.1:${port}/`]);
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', () => {
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
      const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
      const p50 = parseMs(/ 50%\s+(\S+)/.exec(out)?.[1] ?? '');
      const p99 = parseMs(/ 99%\s+(\S+)/.exec(out)?.[1] ?? '');
      resolve({ rps, p50, p99, requests });
    });
  });
}

interface Target {
  name: string;
  port: number;
  pid: number;
  proc?: ChildProcess;
}

async function main(): Promise<void> {
  need();
  if (cpus().length < 2) process.stderr.write('warning: fewer than 2 CPUs; pinning will overlap\n');
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-'));
  const procs: ChildProcess[] = [];
  const cleanup = (): void => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  process.on('SIGINT', () => process.exit(130));

  const [n1, n2] = [await freePort(), await freePort()];
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir};
  proxy_temp_path ${dir};
  fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir};
  scgi_temp_path ${dir};
  keepalive_requests 1000000;
  server { listen 127.0.0.1:${n1}; location / { return 200 "hello from nginx 1\\n"; } }
  server { listen 127.0.0.1:${n2}; location / { return 200 "hello from nginx 2\\n"; } }
}
`,
  );
  const nginx = spawn('taskset', ['-c', '1', 'nginx', '-c', path.join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  procs.push(nginx);
  await waitPort(n1);
  await waitPort(n2);

  const syslog = dgram.createSocket('udp4');
  let logLines = 0;
  syslog.on('message', () => logLines++);
  await new Promise<void>((r) => syslog.bind(0, '127.0.0.1', r));
  const logPort = (syslog.address() as net.AddressInfo).port;

  // The logging row runs the data plane as the example config does: health checks too.
  const checks = ' check inter 2s';
  const config = (mode: 'http' | 'tcp', port: number, logging: boolean, nbthread: number): string => `global
    maxconn 4096
    nbthread ${nbthread}
defaults
    mode ${mode}
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend fe
    bind 127.0.0.1:${port}
${logging ? `    log 127.0.0.1:${logPort} local0\n    option ${mode}log\n` : ''}    default_backend be
backend be
    balance roundrobin
    server n1 127.0.0.1:${n1}${logging ? checks : ''}
    server n2 127.0.0.1:${n2}${logging ? checks : ''}
`;

  const targets: Target[] = [{ name: 'nginx direct', port: n1, pid: nginx.pid! }];
  // nbthread 2 uses both cores (wrk and nginx then share them with the proxy): compare it
  // with HAProxy's nbthread 2, not with the pinned single-core rows.
  const variants: [string, 'http' | 'tcp', boolean, number][] = [
    ['http', 'http', false, 1],
    ['tcp', 'tcp', false, 1],
    ['http+log', 'http', true, 1],
    ['http nbt2', 'http', false, 2],
  ].filter(([label]) => !ONLY || ONLY.includes(label as string)) as [string, 'http' | 'tcp', boolean, number][];
  for (const [label, mode, logging, nbthread] of variants) {
    for (const impl of ['switchyard', 'haproxy'] as const) {
      const port = await freePort();
      const cfg = path.join(dir, `${impl}-${label}.cfg`);
      writeFileSync(cfg, config(mode, port, logging, nbthread));
      const cmd = impl === 'haproxy' ? ['haproxy', '-db', '-f', cfg] : [process.execPath, ...DATA_PLANE_NODE_FLAGS, path.join(root, 'bin/switchyard.js'), ...(nbthread > 1 ? ['-W'] : []), '-f', cfg];
      const proc = spawn('taskset', ['-c', nbthread > 1 ? '0,1' : '0', ...cmd], { stdio: ['ignore', 'ignore', 'inherit'] });
      procs.push(proc);
      await waitPort(port);
      targets.push({ name: `${impl} ${label}`, port, pid: proc.pid!, proc });
    }
  }

  const results = new Map<string, Result[]>();
  for (const conns of CONNS) {
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of targets) {
        await wrk(t.port, conns, 1); // warm-up: JIT, pools
        const cpu0 = treeCpuUs(t.pid);
        const w = await wrk(t.port, conns, DURATION);
        const cpu = treeCpuUs(t.pid) - cpu0;
        const key = `${t.name}@${conns}`;
        const list = results.get(key) ?? [];
        list.push({ rps: w.rps, p50: w.p50, p99: w.p99, cpuUsPerReq: cpu / w.requests, rssMB: peakRssMB(t.pid) });
        results.set(key, list);
        process.stderr.write(`  ${key}: ${w.rps.toFixed(0)} req/s\n`);
      }
    }
  }

  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)]!;
  };
  const agg = (key: string): Result => {
    const l = results.get(key)!;
    return { rps: median(l.map((r) => r.rps)), p50: median(l.map((r) => r.p50)), p99: median(l.map((r) => r.p99)), cpuUsPerReq: median(l.map((r) => r.cpuUsPerReq)), rssMB: Math.max(...l.map((r) => r.rssMB)) };
  };
  const rows: string[] = [];
  const pad = (s: string, n: number): string => s.padStart(n);
  rows.push(`${'target'.padEnd(22)}${pad('conns', 6)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('CPU µs/req', 12)}${pad('peak RSS MB', 13)}`);
  for (const conns of CONNS) {
    for (const t of targets) {
      const r = agg(`${t.name}@${conns}`);
      rows.push(`${t.name.padEnd(22)}${pad(String(conns), 6)}${pad(r.rps.toFixed(0), 10)}${pad(r.p50.toFixed(2), 9)}${pad(r.p99.toFixed(2), 9)}${pad(t.name === 'nginx direct' ? '-' : r.cpuUsPerReq.toFixed(1), 12)}${pad(r.rssMB.toFixed(1), 13)}`);
    }
  }
  rows.push('');
  rows.push('Switchyard / HAProxy (efficiency = HAProxy CPU per request / Switchyard CPU per request)');
  rows.push(`${'mode'.padEnd(12)}${pad('conns', 6)}${pad('efficiency', 12)}${pad('req/s ratio', 13)}${pad('p99 ratio', 11)}`);
  for (const conns of CONNS) {
    for (const [label] of variants) {
      const s = agg(`switchyard ${label}@${conns}`);
      const h = agg(`haproxy ${label}@${conns}`);
      rows.push(`${label.padEnd(12)}${pad(String(conns), 6)}${pad((h.cpuUsPerReq / s.cpuUsPerReq).toFixed(2) + 'x', 12)}${pad((s.rps / h.rps).toFixed(2) + 'x', 13)}${pad((s.p99 / h.p99).toFixed(2) + 'x', 11)}`);
    }
  }
  rows.push('');
  rows.push(`targets: http efficiency >= 0.70x and p99 <= 2x; tcp efficiency >= 0.85x; RSS <= 60 MB at 200 conns. Syslog lines received: ${logLines}.`);
  process.stdout.write(rows.join('\n') + '\n');
  syslog.close();
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err) + '\n');
  process.exit(1);
});
