// Entry point: `switchyard -f haproxy.cfg [-c] ...`.

import { parseArgs } from './args.js';
import { runCheck, runCheckCondition } from '../config/check.js';
import { versionText } from './version.js';

const USAGE = 'Usage : switchyard [-f <cfgfile|cfgdir>]* [ -vdVD ] [ -n <maxconn> ] [ -N <maxpconn> ]\n' + '        [ -p <pidfile> ] [ -m <max megs> ] [ -C <dir> ] [-- <cfgfile>*]\n';

async function main(argv: string[]): Promise<void> {
  const parsed = parseArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`[ALERT]    (${process.pid}) : ${parsed.error}\n${USAGE}`);
    process.exit(1);
  }
  const opts = parsed.options;
  if (opts.version) {
    process.stdout.write(versionText(opts.version));
    process.exit(0);
  }
  if (opts.checkCondition !== undefined) process.exit(runCheckCondition(opts.checkCondition));
  if (opts.check) process.exit(runCheck(opts.files, { quiet: opts.quiet, zeroWarning: opts.debugFlags.includes('-dW') }));
  // The serving side is loaded only now, so -c, -v and -cc never depend on it.
  const { startProcessModel } = await import('../process/start.js');
  await startProcessModel(opts);
}

main(process.argv.slice(2)).catch((err) => {
  // An error with a system code (a bind that failed...) is an operator's problem: its message
  // says it all. Anything else is a bug and keeps its stack.
  const text = err instanceof Error ? ((err as NodeJS.ErrnoException).code ? err.message : err.stack) : String(err);
  process.stderr.write(`[ALERT]    (${process.pid}) : ${text}\n`);
  process.exit(1);
});
