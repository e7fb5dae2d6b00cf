// Chooses the process model from the command line and the global section: a worker of a
// master, a master (-W / master-worker), or one plain process; -D daemonizes first.

import cluster from 'node:cluster';
import type { CliOptions } from '../cli/args.js';
import { createProcessLogger } from '../log/process-log.js';
import { daemonize, isDaemonized } from './daemon.js';
import { loadChecked } from './load-checked.js';
import { writePidfile } from './pidfile.js';

// Each process model is loaded only when chosen: a data-plane process keeps its memory for
// connections (modules cost resident memory even when unused).

export async function startProcessModel(opts: CliOptions): Promise<void> {
  if (cluster.isWorker) {
    const { runWorker } = await import('./worker.js');
    runWorker(opts.files);
    return;
  }
  const log = createProcessLogger();
  const config = loadChecked(opts.files, log);
  if (!config) process.exit(1);
  if ((opts.daemon || config.global.daemon) && !opts.debug && !isDaemonized()) {
    daemonize();
    process.exit(0);
  }
  const pidfile = opts.pidfile ?? config.global.pidfile;
  if (opts.masterWorker || opts.systemd || config.global.masterWorker) {
    const { runMaster } = await import('./master.js');
    process.exit(await runMaster({ files: opts.files, log, pidfile, config, masterCli: opts.masterCli }));
  }
  if (pidfile) writePidfile(pidfile, [process.pid]);
  const { runSingle } = await import('./single.js');
  await runSingle(config, log, { softStopPids: opts.softStopPids, hardStopPids: opts.hardStopPids });
}
