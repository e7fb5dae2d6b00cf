// A worker: one serving process started by the master. It waits for the master's start
// message (which carries the operator state to restore), applies that state before any
// bind, reports ready, and stops when the master says so.

import { loadConfig } from '../config/load.js';
import type { Config } from '../config/model.js';
import type { Logger } from '../log/logger.js';
import { createProcessLogger } from '../log/process-log.js';
import { runProcess, type ProcessHooks, type RunningProcess } from './run.js';
import type { MasterToWorker, WorkerToMaster } from './messages.js';
import { isMessage } from './messages.js';
import { applyOperatorState, exportOperatorState } from './operator-state.js';
import { loadServerStateFiles } from './server-state-file.js';
import type { Runtime } from '../core/runtime.js';

export type Serve = (config: Config, log: Logger, hooks: ProcessHooks) => Promise<RunningProcess>;

const DRAIN_POLL_MS = 50;

function send(msg: WorkerToMaster): void {
  process.send?.(msg);
}

/** Log the end of each proxy as HAProxy's workers do when they leave. */
function logStopped(running: RunningProcess, log: Logger): void {
  for (const p of running.runtime.proxies) {
    log.event('warning', `Proxy ${p.name} stopped (cumulated conns: FE: ${p.feCounters.connTot}, BE: ${p.beCounters.connTot}).`);
  }
}

async function finishSessions(running: RunningProcess): Promise<void> {
  while (running.runtime.process.currConns > 0) await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
}

export function runWorker(files: string[], serve: Serve = runProcess, log: Logger = createProcessLogger()): void {
  let running: RunningProcess | undefined;
  let stopping = false;
  // Ctrl-C reaches the whole process group; only the master decides how workers stop.
  process.on('SIGINT', () => {});
  process.on('disconnect', () => process.exit(0));

  async function start(msg: Extract<MasterToWorker, { t: 'sy:start' }>): Promise<void> {
    const { config, diagnostics } = loadConfig(files);
    if (!config) {
      send({ t: 'sy:failed', message: diagnostics.map((d) => d.message).join('\n') });
      process.exit(1);
    }
    try {
      // The state file first, then what the previous workers carried (more recent) on top.
      const beforeListen = (rt: Runtime) => {
        applyOperatorState(rt, loadServerStateFiles(config, log));
        applyOperatorState(rt, msg.state);
      };
      running = await serve(config, log, { beforeListen });
    } catch (err) {
      send({ t: 'sy:failed', message: err instanceof Error ? err.message : String(err) });
      process.exit(1);
    }
    send({ t: 'sy:ready' });
  }

  async function stop(graceful: boolean): Promise<void> {
    if (stopping) return;
    stopping = true;
    if (running) {
      await running.stop(graceful);
      if (graceful) await finishSessions(running);
      logStopped(running, log);
    }
    process.exit(0);
  }

  process.on('message', (m: unknown) => {
    if (!isMessage(m)) return;
    const msg = m as MasterToWorker;
    if (msg.t === 'sy:start') void start(msg);
    else if (msg.t === 'sy:stop') void stop(msg.graceful);
    else if (msg.t === 'sy:export') send({ t: 'sy:exported', id: msg.id, state: running ? exportOperatorState(running.runtime) : [] });
  });
  send({ t: 'sy:hello' });
}
