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
import { applyOperatorState, applyRemoteStates, changedStates, exportOperatorState, mergeStates } from './operator-state.js';
import { onStates, publishStates } from './cluster-state.js';
import { collectSnapshot, provideSnapshot } from './process-snapshot.js';
import { Cli, parseLine, type CliSession } from '../api/cli.js';
import { createControl } from '../control/commands.js';
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

/** How often a worker looks for operator changes made through its page or socket. */
const SHARE_INTERVAL_MS = 50;

/**
 * Keep operator state the same in every worker: changes made here are found by comparing
 * exports and published; published states are applied in the master's order, after
 * publishing any pending local change so it is not overwritten.
 */
function shareOperatorState(runtime: Runtime): void {
  let shared = exportOperatorState(runtime);
  const flush = () => {
    const now = exportOperatorState(runtime);
    const diff = changedStates(shared, now);
    if (diff.length === 0) return;
    shared = now;
    publishStates(diff);
  };
  onStates((states) => {
    flush();
    applyRemoteStates(runtime, states);
    shared = mergeStates(shared, states);
  });
  setInterval(flush, SHARE_INTERVAL_MS).unref();
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
      const beforeListen = (rt: Runtime) => void applyOperatorState(rt, mergeStates(loadServerStateFiles(config, log), msg.state));
      running = await serve(config, log, { beforeListen });
      shareOperatorState(running.runtime);
      provideSnapshot(running.runtime);
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
    else if (msg.t === 'sy:cli') void runCliLine(running, log, msg.line).then((text) => send({ t: 'sy:cli-reply', id: msg.id, text }));
    else if (msg.t === 'sy:export') send({ t: 'sy:exported', id: msg.id, state: running ? exportOperatorState(running.runtime) : [] });
  });
  send({ t: 'sy:hello' });
}

let masterCliApi: Cli | undefined;

/** A line from the master CLI, run as this worker's stats socket would at admin level. */
async function runCliLine(running: RunningProcess | undefined, log: Logger, line: string): Promise<string> {
  if (!running) return '';
  const runtime = running.runtime;
  const binds = runtime.proxies.reduce((n, p) => n + (p.config.isFrontend ? p.config.binds.length : 0), 0);
  masterCliApi ??= new Cli({
    runtime,
    control: createControl(runtime, log),
    listeners: () => binds + runtime.config.global.statsSockets.length,
    sessions: () => [],
    snapshot: () => collectSnapshot(runtime),
  });
  const session: CliSession = {
    id: 0, level: 'admin', interactive: false, timeoutMs: 0, quit: false, proto: 'unix_stream', src: 'unix:1', startMs: Date.now(), kill: () => {},
  };
  let out = '';
  for (const words of parseLine(line)) out += await masterCliApi.execute(session, words);
  return out;
}
