// Starts the real switchyard binary on a config written to a temp dir, and stops it.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/switchyard.js');

export interface Running {
  proc: ChildProcess;
  dir: string;
  cfgPath: string;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function writeConfig(text: string, name = 'haproxy.cfg'): { dir: string; cfgPath: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-test-'));
  const cfgPath = path.join(dir, name);
  writeFileSync(cfgPath, text);
  return { dir, cfgPath };
}

/** Node flags and environment variables for the switchyard process. */
export interface NodeProcessOptions {
  nodeArgs?: string[];
  env?: Record<string, string>;
}

/** Start switchyard on `cfgText` and wait until every port in `waitPorts` accepts connections. */
export async function startSwitchyard(cfgText: string, waitPorts: number[], extraArgs: string[] = [], opts: NodeProcessOptions = {}): Promise<Running> {
  const { dir, cfgPath } = writeConfig(cfgText);
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), BIN, '-f', cfgPath, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const running: Running = {
    proc,
    dir,
    cfgPath,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
  const deadline = Date.now() + 10_000;
  for (const port of waitPorts) {
    while (!(await canConnect(port))) {
      if (proc.exitCode !== null) throw new Error(`switchyard exited (${proc.exitCode}):\n${out}`);
      if (Date.now() > deadline) {
        await running.stop('SIGKILL');
        throw new Error(`switchyard did not listen on ${port}:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return running;
}

export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
