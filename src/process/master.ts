// The master: owns the listening sockets (through the cluster module, which keeps one
// listening handle per address and hands it to every worker that binds it), starts a
// generation of workers, and reloads on SIGUSR2 by starting a new generation on the same
// sockets before telling the old one to stop accepting and finish its sessions.
//
// Why cluster with SCHED_NONE: every worker accepts on the same kernel socket, so a worker
// that stops accepting leaves pending connections in the shared queue for the others, and
// the handle lives as long as one worker holds it: nothing is refused during a reload.

import cluster, { type Worker } from 'node:cluster';
import { lstatSync, unlinkSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { loadChecked } from './load-checked.js';
import type { Config } from '../config/model.js';
import type { Logger } from '../log/logger.js';
import type { MasterToWorker, WorkerToMaster } from './messages.js';
import { isMessage } from './messages.js';
import type { OperatorState } from './operator-state.js';
import { removePidfile, writePidfile } from './pidfile.js';
import { startMasterCli, type MasterCli } from './master-cli.js';
import { withDataPlaneFlags } from './node-flags.js';

export interface MasterOptions {
  files: string[];
  log: Logger;
  /** Script each worker runs; the default re-runs this program, which sees it is a worker. */
  exec?: string;
  pidfile?: string;
  /** How long a new generation may take to become ready. */
  startTimeoutMs?: number;
  /** The config already loaded and checked by the caller, to avoid logging it twice. */
  config?: Config;
  /** `-S` master CLI listeners. */
  masterCli?: string[];
}

interface Generation {
  workers: Worker[];
  config: Config;
}

const EXIT_TEXT: Record<string, string> = { SIGTERM: 'Terminated', SIGKILL: 'Killed', SIGINT: 'Interrupt' };
const SIGNAL_CODE: Record<string, number> = { SIGINT: 130, SIGKILL: 137, SIGTERM: 143 };

function exitText(code: number | null, signal: string | null): { code: number; text: string } {
  if (signal) return { code: SIGNAL_CODE[signal] ?? 128, text: EXIT_TEXT[signal] ?? signal };
  return { code: code ?? 0, text: 'Exit' };
}

function post(w: Worker, msg: MasterToWorker): void {
  if (w.isConnected()) w.send(msg);
}

export function workerCount(config: Config): number {
  return Math.max(1, config.global.nbthread ?? availableParallelism());
}

/** Run the master until its workers are gone; resolves with the process exit code. */
export function runMaster(opts: MasterOptions): Promise<number> {
  const { log } = opts;
  const first = opts.config ?? loadChecked(opts.files, log);
  if (!first) return Promise.resolve(1);
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ exec: opts.exec ?? process.argv[1], args: process.argv.slice(2), execArgv: withDataPlaneFlags(process.execArgv) });

  let current: Generation | undefined;
  const former = new Set<Worker>();
  let exiting: number | undefined;
  let reloading = false;
  let nextId = 1;
  const waiting = new Map<number, (value: unknown) => void>();
  // A collect request in flight: which workers still owe a part, and who asked.
  const collecting = new Map<number, { from: Worker; replyId: number; parts: unknown[]; left: number }>();
  // Changes relayed while a reload starts a generation: it was given the state exported
  // before them and is not relayed to until it is current, so they are replayed to it then.
  let sinceExport: OperatorState[] | undefined;

  let done!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (done = resolve));

  function onMessage(w: Worker, m: unknown): void {
    if (!isMessage(m)) return;
    const msg = m as WorkerToMaster;
    if (msg.t === 'sy:change') {
      // Sent back to the sender too: every worker applies changes in the master's order, so
      // two operators acting at once through two workers still end with one state.
      for (const x of [...(current?.workers ?? []), ...former]) post(x, { t: 'sy:change', states: msg.states });
      sinceExport?.push(msg.states);
    } else if (msg.t === 'sy:cli-reply') {
      waiting.get(msg.id)?.(msg.text);
      waiting.delete(msg.id);
    } else if (msg.t === 'sy:exported') {
      waiting.get(msg.id)?.(msg.state);
      waiting.delete(msg.id);
    } else if (msg.t === 'sy:collect') {
      const targets = (current?.workers ?? []).filter((x) => x.isConnected());
      if (!targets.includes(w)) targets.push(w);
      const id = nextId++;
      collecting.set(id, { from: w, replyId: msg.id, parts: [], left: targets.length });
      for (const x of targets) post(x, { t: 'sy:snapshot', id, kind: msg.kind });
    } else if (msg.t === 'sy:snapshotted') {
      const c = collecting.get(msg.id);
      if (!c) return;
      c.parts.push(msg.part);
      if (--c.left === 0) {
        collecting.delete(msg.id);
        post(c.from, { t: 'sy:collected', id: c.replyId, parts: c.parts });
      }
    }
  }

  /** Fork a generation and resolve once every worker is listening, or reject. */
  function startGeneration(config: Config, state: OperatorState): Promise<Generation> {
    const gen: Generation = { workers: [], config };
    const timeoutMs = opts.startTimeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      let ready = 0;
      let failed = false;
      const fail = (why: string) => {
        if (failed) return;
        failed = true;
        clearTimeout(timer);
        for (const w of gen.workers) if (!w.isDead()) w.process.kill('SIGKILL');
        reject(new Error(why));
      };
      const timer = setTimeout(() => fail('workers did not become ready in time'), timeoutMs);
      for (let i = 0; i < workerCount(config); i++) {
        const w = cluster.fork({ SWITCHYARD_WORKER: '1' });
        gen.workers.push(w);
        log.event('notice', `New worker (${w.process.pid}) forked`);
        w.on('message', (m: unknown) => {
          if (isMessage(m) && m.t === 'sy:hello') post(w, { t: 'sy:start', state });
          else if (isMessage(m) && m.t === 'sy:ready' && !failed && ++ready === gen.workers.length) {
            clearTimeout(timer);
            resolve(gen);
          } else if (isMessage(m) && m.t === 'sy:failed') fail((m as unknown as { message: string }).message);
          else onMessage(w, m);
        });
        w.on('exit', (code, signal) => {
          if (ready < gen.workers.length) fail(`worker ${w.process.pid} exited during start-up`);
          else onExit(w, code, signal);
        });
      }
    });
  }

  function onExit(w: Worker, code: number | null, signal: string | null): void {
    const t = exitText(code, signal);
    if (former.delete(w)) {
      log.event('warning', `Former worker (${w.process.pid}) exited with code ${t.code} (${t.text})`);
    } else if (current?.workers.includes(w)) {
      current.workers = current.workers.filter((x) => x !== w);
      log.event(exiting === undefined ? 'alert' : 'warning', `Current worker (${w.process.pid}) exited with code ${t.code} (${t.text})`);
      if (exiting === undefined) {
        // A worker died on its own: like HAProxy's exit-on-failure, bring everything down.
        log.event('alert', 'exit-on-failure: killing every processes with SIGTERM');
        stopAll(false, t.code || 1);
      }
    }
    if (exiting !== undefined && (current?.workers.length ?? 0) === 0 && former.size === 0) {
      log.event('warning', `All workers exited. Exiting... (${exiting})`);
      if (opts.pidfile) removePidfile(opts.pidfile);
      masterCli?.close();
      done(exiting);
    }
  }

  function exportState(): Promise<OperatorState> {
    const w = current?.workers.find((x) => x.isConnected());
    if (!w) return Promise.resolve([]);
    const id = nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        resolve([]);
      }, 5_000);
      waiting.set(id, (s) => {
        clearTimeout(timer);
        resolve(s as OperatorState);
      });
      post(w, { t: 'sy:export', id });
    });
  }

  function retire(gen: Generation): void {
    const hardStopMs = gen.config.global.hardStopAfter;
    for (const w of gen.workers) {
      former.add(w);
      post(w, { t: 'sy:stop', graceful: true });
      if (hardStopMs !== undefined) setTimeout(() => !w.isDead() && w.process.kill('SIGTERM'), hardStopMs).unref();
    }
  }

  async function reload(): Promise<void> {
    if (reloading || exiting !== undefined) return;
    reloading = true;
    try {
      log.event('notice', 'Reloading HAProxy');
      const config = loadChecked(opts.files, log);
      if (!config) {
        log.event('warning', 'Loading failure!');
        return;
      }
      sinceExport = [];
      const state = await exportState();
      const old = current;
      try {
        current = await startGeneration(config, state);
        for (const states of sinceExport) for (const w of current.workers) post(w, { t: 'sy:change', states });
      } catch (err) {
        log.event('alert', `${err instanceof Error ? err.message : String(err)}`);
        log.event('warning', 'Loading failure!');
        return;
      }
      log.event('notice', 'Loading success.');
      reloads++;
      if (old) retire(old);
    } finally {
      sinceExport = undefined;
      reloading = false;
    }
  }

  /** Stop every worker; a later SIGTERM or SIGINT turns a graceful stop into a fast one. */
  function stopAll(graceful: boolean, code: number): void {
    const all = [...(current?.workers ?? []), ...former];
    if (exiting === undefined) {
      exiting = code;
      log.event('warning', 'Exiting Master process...');
      if (all.length === 0) done(code);
    } else if (graceful) return;
    const hardStopMs = current?.config.global.hardStopAfter;
    for (const w of all) {
      if (!graceful) {
        if (!w.isDead()) w.process.kill('SIGTERM');
        continue;
      }
      post(w, { t: 'sy:stop', graceful: true });
      if (hardStopMs !== undefined) setTimeout(() => !w.isDead() && w.process.kill('SIGTERM'), hardStopMs).unref();
    }
  }

  process.on('SIGUSR2', () => void reload());
  process.on('SIGHUP', () => void reload());
  process.on('SIGUSR1', () => stopAll(true, 0));
  process.on('SIGTERM', () => stopAll(false, 0));
  process.on('SIGINT', () => stopAll(false, 130));
  if (opts.pidfile) writePidfile(opts.pidfile, [process.pid]);

  removeStaleSockets(first);
  let reloads = 0;
  let masterCli: MasterCli | undefined;
  const startMs = Date.now();
  const ask = (w: Worker, line: string): Promise<string> => {
    const id = nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        resolve('');
      }, 10_000);
      waiting.set(id, (text) => {
        clearTimeout(timer);
        resolve(String(text));
      });
      post(w, { t: 'sy:cli', id, line });
    });
  };
  startGeneration(first, []).then(
    async (gen) => {
      current = gen;
      log.event('notice', 'Loading success.');
      if (opts.masterCli?.length) {
        const hooks = { workers: () => current?.workers ?? [], reloads: () => reloads, startMs, ask, reload: () => void reload() };
        masterCli = await startMasterCli(opts.masterCli, hooks).catch((err: unknown) => {
          log.event('alert', `Cannot bind the master CLI: ${err instanceof Error ? err.message : String(err)}`);
          return undefined;
        });
      }
    },
    (err: unknown) => {
      log.event('alert', `${err instanceof Error ? err.message : String(err)}`);
      exiting = 1;
      done(1);
    },
  );
  return finished;
}

/** Unix stats sockets left by a previous run; the workers leave them to the master. */
function removeStaleSockets(config: Config): void {
  for (const s of config.global.statsSockets) {
    if (s.address.kind !== 'unix') continue;
    try {
      if (lstatSync(s.address.path).isSocket()) unlinkSync(s.address.path);
    } catch {
      // Absent: nothing to remove.
    }
  }
}
