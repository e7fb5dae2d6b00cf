// One serving process without a master. `-sf`/`-st <pids>`: the old processes are told to
// finish (SIGUSR1) or terminate (SIGTERM), and this one binds as soon as their listeners are
// gone. Without SO_REUSEPORT in Node 20 there is a short window with no listener, so the
// zero-drop reload path is the master-worker mode (-W).

import type { Config } from '../config/model.js';
import type { Logger } from '../log/logger.js';
import { applyOperatorState } from './operator-state.js';
import { runProcess, type RunningProcess } from './run.js';
import { loadServerStateFiles } from './server-state-file.js';

const BIND_RETRY_MS = 50;
const BIND_DEADLINE_MS = 10_000;

function signalPids(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone: nothing to stop.
    }
  }
}

/** `waitForOld`: the ports are being freed by the processes -sf/-st stopped; retry binds meanwhile. */
async function runWhenFree(config: Config, log: Logger, waitForOld: boolean): Promise<RunningProcess> {
  const deadline = waitForOld ? Date.now() + BIND_DEADLINE_MS : 0;
  for (;;) {
    try {
      return await runProcess(config, log, { beforeListen: (rt) => void applyOperatorState(rt, loadServerStateFiles(config, log)) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, BIND_RETRY_MS));
    }
  }
}

export interface SingleOptions {
  softStopPids: number[];
  hardStopPids: number[];
}

/** Serve until a signal says stop; SIGTERM and SIGINT stop at once, SIGUSR1 lets sessions end. */
export async function runSingle(config: Config, log: Logger, opts: SingleOptions): Promise<void> {
  signalPids(opts.softStopPids, 'SIGUSR1');
  signalPids(opts.hardStopPids, 'SIGTERM');
  const running = await runWhenFree(config, log, opts.softStopPids.length + opts.hardStopPids.length > 0);
  let stopping = false;
  const stop = (graceful: boolean) => () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      // A fast stop must not wait on peers that never close (CLOSE-WAIT clients, idle CLI sessions).
      const stopped = running.stop(graceful);
      await (graceful ? stopped : Promise.race([stopped, new Promise((r) => setTimeout(r, 500))]));
      while (graceful && running.runtime.process.currConns > 0) await new Promise((r) => setTimeout(r, 50));
      for (const p of running.runtime.proxies) {
        log.event('warning', `Proxy ${p.name} stopped (cumulated conns: FE: ${p.feCounters.connTot}, BE: ${p.beCounters.connTot}).`);
      }
      process.exit(0);
    })();
  };
  process.on('SIGTERM', stop(false));
  process.on('SIGINT', stop(false));
  process.on('SIGUSR1', stop(true));
}
