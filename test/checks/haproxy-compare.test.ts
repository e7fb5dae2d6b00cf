// The same checks run by Debian's HAProxy 2.6 and by Switchyard's scheduler against the same
// real servers must produce the same state-change log lines (check durations normalised).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import http from 'node:http';
import path from 'node:path';
import { startChecks } from '../../src/checks/scheduler.js';
import { freePorts } from '../helpers/ports.js';
import { writeConfig } from '../helpers/switchyard.js';
import { recordingLog, runtimeFrom } from '../core/fixture.js';

const HAPROXY = '/usr/sbin/haproxy';

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const norm = (line: string): string => line.replace(/check duration: \d+ms/, 'check duration: Nms');

/** A TCP server that answers `reply` (or nothing) and closes, ignoring resets from probes. */
function replying(reply = ''): net.Server {
  return net.createServer((s) => {
    s.on('error', () => {});
    s.end(reply);
  });
}

function listen(srv: net.Server, port: number): Promise<net.Server> {
  return new Promise((resolve) => srv.listen(port, '127.0.0.1', () => resolve(srv)));
}

function close(srv: net.Server): Promise<void> {
  (srv as http.Server).closeAllConnections?.();
  return new Promise((resolve) => srv.close(() => resolve()));
}

async function scenario(ports: number[], run: (cfg: string) => Promise<{ lines: () => string[]; stop: () => Promise<void> }>): Promise<string[]> {
  const [pa, pb, pc, pAgent, pFe, pd, pe, pf] = ports;
  const cfg = `global
  log stderr local0
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
backend a
  option log-health-checks
  server web1 127.0.0.1:${pa} check inter 100 rise 2 fall 2
backend b
  option httpchk GET /
  server web2 127.0.0.1:${pb} check inter 100 rise 2 fall 2
backend c
  option log-health-checks
  server web3 127.0.0.1:${pc} check inter 100 agent-check agent-port ${pAgent} agent-inter 100
backend d
  option httpchk
  server web4 127.0.0.1:${pd} check inter 100 rise 1 fall 1
backend e
  option httpchk
  http-check disable-on-404
  server web5 127.0.0.1:${pe} check inter 100
backend f
  option httpchk
  timeout check 150
  server web6 127.0.0.1:${pf} check inter 100 fall 1
frontend fe
  bind 127.0.0.1:${pFe}
  default_backend a
`;
  const s500 = await listen(http.createServer((_q, r) => r.writeHead(500).end()), pb!);
  const sc = await listen(replying(), pc!);
  const agent = await listen(replying('drain\n'), pAgent!);
  // Fails its first three checks, then passes: an L7STS DOWN then an L7OK UP line.
  let hits = 0;
  const gone = await listen(http.createServer((_q, r) => r.writeHead(404).end()), pe!);
  const held: net.Socket[] = [];
  const silent = await listen(net.createServer((sock) => {
    sock.on('error', () => {});
    held.push(sock);
  }), pf!);
  const flip = await listen(http.createServer((_q, r) => r.writeHead(++hits <= 3 ? 500 : 200).end()), pd!);
  const inst = await run(cfg);
  let sa: net.Server | undefined;
  try {
    const has = (re: RegExp): boolean => inst.lines().some((l) => re.test(l));
    await until(() => has(/web1 is DOWN/) && has(/web2 is DOWN/) && has(/web3 enters drain/), 'first changes');
    sa = await listen(replying(), pa!);
    await until(() => has(/web1 is UP/) && has(/web4 is UP/) && has(/web5 is stopping/) && has(/web6 is DOWN/), 'web1, web4 UP');
  } finally {
    await inst.stop();
    for (const h of held) h.destroy();
    await Promise.all([s500, sc, agent, flip, gone, silent, ...(sa ? [sa] : [])].map(close));
  }
  return inst.lines().filter((l) => /Server|backend '|Health check/.test(l)).map(norm);
}

test('state-change log lines match Debian HAProxy 2.6: L4CON, L7STS, L7OK, L7OKC (NOLB), L7TOUT, agent drain, recovery', async () => {
  const ports = await freePorts(8);
  const theirs = await scenario(ports, async (cfg) => {
    const { cfgPath } = writeConfig(cfg);
    const proc = spawn(HAPROXY, ['-db', '-f', cfgPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    const exited = new Promise((r) => proc.on('exit', r));
    return {
      lines: () => out.split('\n').map((l) => /(?:Server|Backup Server|backend) .*|Health check.*/.exec(l)?.[0] ?? '').filter(Boolean),
      async stop() {
        proc.kill('SIGKILL');
        await exited;
      },
    };
  });
  const ours = await scenario(ports, async (cfg) => {
    const rt = runtimeFrom(cfg);
    const log = recordingLog();
    const checks = startChecks(rt, log);
    return {
      lines: () => log.messages(),
      async stop() {
        checks.stop();
      },
    };
  });
  // Per backend, the lines must come in the same order (servers of different backends interleave freely).
  const byBackend = (lines: string[]): Record<string, string[]> => {
    const out: Record<string, string[]> = {};
    for (const l of lines) {
      const b = /\b([a-f])\/web|backend '([a-f])'/.exec(l);
      const k = b?.[1] ?? b?.[2] ?? '?';
      (out[k] ??= []).push(l);
    }
    return out;
  };
  assert.deepEqual(byBackend(ours), byBackend(theirs));
});

function cli(sock: string, cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const c = net.connect({ path: sock }, () => c.write(`${cmd}\n`));
    c.setEncoding('utf8');
    c.on('data', (d: string) => (out += d));
    c.on('end', () => resolve(out));
    c.on('error', reject);
  });
}

test('agent replies leave the same op state, admin flags and weight as Debian HAProxy 2.6', async (t) => {
  const [pSrv, pAgent] = await freePorts(2);
  let reply = 'up';
  let probes = 0;
  const srv = await listen(replying(), pSrv!);
  const agent = await listen(net.createServer((s) => {
    s.on('error', () => {});
    probes++;
    s.end(`${reply}\n`);
  }), pAgent!);
  t.after(() => Promise.all([close(srv), close(agent)]));
  const body = `defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
backend app
  server web1 127.0.0.1:${pSrv} check inter 100 weight 10 agent-check agent-port ${pAgent} agent-inter 100
  server web2 127.0.0.1:${pSrv}
`;
  const { dir } = writeConfig('');
  const sock = path.join(dir, 'admin.sock');
  const { cfgPath } = writeConfig(`global\n  stats socket ${sock} level admin\n${body}`);
  const proc = spawn(HAPROXY, ['-db', '-f', cfgPath], { stdio: ['ignore', 'ignore', 'ignore'] });
  const exited = new Promise((r) => proc.on('exit', r));
  t.after(async () => {
    proc.kill('SIGKILL');
    await exited;
  });
  const rt = runtimeFrom(body);
  const checks = startChecks(rt, recordingLog());
  t.after(() => checks.stop());
  const web1 = rt.backend('app')!.serversByName.get('web1')!;
  await until(async () => / web1 /.test(await cli(sock, 'show servers state app').catch(() => '')), 'haproxy socket');

  for (const r of ['drain', '50%', 'down', 'up', 'maint', 'ready', 'up 30%', 'stopped', 'drain 100%', 'ready up', 'maint', 'up', 'ready']) {
    reply = r;
    // Both sides have read the new reply a few times (each polls the agent every 100 ms).
    const seen = probes;
    await until(() => probes >= seen + 6, `agent polled after '${r}'`);
    const theirs = (await cli(sock, 'show servers state app')).split('\n').map((l) => l.split(' ')).find((f) => f[3] === 'web1')!;
    assert.deepEqual(
      { op: web1.state.op, admin: web1.state.admin, weight: web1.state.weight },
      { op: Number(theirs[5]), admin: Number(theirs[6]), weight: Number(theirs[7]) },
      `after agent reply '${r}'`,
    );
  }
});
