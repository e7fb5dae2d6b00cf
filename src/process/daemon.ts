// `-D` / `daemon`: start a detached copy of this program without a terminal and return.
// The copy sees SWITCHYARD_DAEMONIZED and stays in the foreground of its own session.

import { spawn } from 'node:child_process';

export const DAEMON_ENV = 'SWITCHYARD_DAEMONIZED';

export function isDaemonized(): boolean {
  return process.env[DAEMON_ENV] === '1';
}

/** Re-run this program detached, with `-D` removed; resolves with the daemon's pid. */
export function daemonize(): number {
  const args = process.argv.slice(1).filter((a) => a !== '-D');
  const child = spawn(process.execPath, [...process.execArgv, ...args], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, [DAEMON_ENV]: '1' },
  });
  child.unref();
  return child.pid ?? 0;
}
