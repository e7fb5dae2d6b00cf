// Starts a real etcd (Debian etcd-server) on loopback free ports with a temp data dir; it can be
// killed and restarted on the same ports and data, as an outage would look.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { freePorts } from '../helpers/ports.js';

export const ETCD_BIN = '/usr/bin/etcd';

export interface EtcdServer {
  url: string;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Start again on the same ports, with the same data or (`wipe`) an empty data dir. */
  restart(opts?: { wipe?: boolean }): Promise<void>;
  /** Stop and remove the data dir. */
  stop(): Promise<void>;
}

export async function startEtcd(): Promise<EtcdServer> {
  const [clientPort, peerPort] = await freePorts(2);
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-etcd-'));
  const url = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  let proc: ChildProcess | undefined;
  let out = '';

  const launch = async (): Promise<void> => {
    const args = [
      '--name', 'sy', '--data-dir', path.join(dir, 'data'),
      '--listen-client-urls', url, '--advertise-client-urls', url,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `sy=${peer}`, '--initial-cluster-state', 'new',
      '--log-level', 'error', '--logger', 'zap',
    ];
    const p = spawn(ETCD_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.arch === 'x64' ? '' : process.arch } });
    proc = p;
    p.stdout!.on('data', (d) => (out += d));
    p.stderr!.on('data', (d) => (out += d));
    const deadline = Date.now() + 20_000;
    while (!(await healthy(url))) {
      if (p.exitCode !== null) throw new Error(`etcd exited (${p.exitCode}):\n${out}`);
      if (Date.now() > deadline) {
        p.kill('SIGKILL');
        throw new Error(`etcd did not become healthy:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const kill = async (): Promise<void> => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  };

  await launch();
  return {
    url,
    kill,
    async restart(opts = {}) {
      if (opts.wipe) rmSync(path.join(dir, 'data'), { recursive: true, force: true });
      await launch();
    },
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/health`, { timeout: 1000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 && body.includes('true')));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}
