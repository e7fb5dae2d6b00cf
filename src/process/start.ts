// Chooses the process model from the command line and the global section: a worker of a
// master, a master (-W / master-worker), or one plain process; -D daemonizes first.

import cluster from 'node:cluster';
import type { CliOptions } from '../cli/args.js';
import { createProcessLogger } from '../log/process-log.js';
import { daemonize, isDaemonized } from './daemon.js';
import { loadChecked, runMaster } from './master.js';
import { writePidfile } from './pidfile.js';
import { runSingle } from './single.js';
import { runWorker } from './worker.js';

export async function startProcessModel(opts: CliOptions): Promise<void> {
  if (cluster.isWorker) {
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
    process.exit(await runMaster({ files: opts.files, log, pidfile, config, masterCli: opts.masterCli }));
  }
  if (pidfile) writePidfile(pidfile, [process.pid]);
  await runSingle(config, log, { softStopPids: opts.softStopPids, hardStopPids: opts.hardStopPids });
}
