// HAProxy-style command line: `switchyard [-f <cfgfile|cfgdir>]* [-c] [-d] [-D] [-W] ... [-- <cfgfile>*]`.
export interface CliOptions {
  files: string[];
  check: boolean;
  quiet: boolean;
  debug: boolean;
  daemon: boolean;
  masterWorker: boolean;
  pidfile?: string;
  version: 0 | 1 | 2; // -v / -vv
  softStopPids: number[]; // -sf
  hardStopPids: number[]; // -st
  /** -cc <expr>: evaluate a `.if`-style condition and exit 0 (true) or 1 */
  checkCondition?: string;
  /** -S <sockspec>[,<opts>]: master CLI listeners */
  masterCli: string[];
  /** -L <name>: local peer name */
  localPeer?: string;
  /** -dM, -dV, -db ... accepted debug switches, as written */
  debugFlags: string[];
  /** -Ws: master-worker with systemd notify */
  systemd: boolean;
  /** -n <maxconn> */
  maxconn?: number;
  /** -C <dir>: change directory before loading files */
  chdir?: string;
  /** -x <socket>: fetch listeners from an old process */
  exposeFdSocket?: string;
  verbose: boolean;
}

export type ParsedArgs = { ok: true; options: CliOptions } | { ok: false; error: string };

export const USAGE =
  'Usage : switchyard [-f <cfgfile|cfgdir>]* [ -vdVD ] [ -n <maxconn> ] [ -N <maxpconn> ]\n' +
  '        [ -p <pidfile> ] [ -m <max megs> ] [ -C <dir> ] [-- <cfgfile>*]\n' +
  '        -v displays version ; -vv shows known build options.\n' +
  '        -d enters debug mode ; -db only disables background mode.\n' +
  '        -dM[<byte>] poisons memory (accepted, no effect)\n' +
  '        -V enters verbose mode (disables quiet mode)\n' +
  '        -D goes daemon ; -C changes to <dir> before loading files.\n' +
  '        -W master-worker mode ; -Ws with systemd notify.\n' +
  '        -S <bind>[,<bind options>...] new master CLI\n' +
  '        -q quiet mode : don\'t display messages\n' +
  '        -c check mode : only check config files and exit\n' +
  '        -cc check condition : evaluate a condition and exit\n' +
  '        -n sets the maximum total # of connections\n' +
  '        -L set local peer name (accepted)\n' +
  '        -p writes pids of all children to this file\n' +
  '        -sf/-st [pid ]* finishes/terminates old pids.\n' +
  '        -x <unix_socket> get listening sockets from a unix socket\n';

/** Flags that take one value and the field they set. */
const WITH_VALUE = new Set(['-f', '-p', '-cc', '-S', '-L', '-n', '-N', '-m', '-C', '-x']);

export function parseArgs(argv: string[]): ParsedArgs {
  const options: CliOptions = {
    files: [],
    check: false,
    quiet: false,
    debug: false,
    daemon: false,
    masterWorker: false,
    version: 0,
    softStopPids: [],
    hardStopPids: [],
    masterCli: [],
    debugFlags: [],
    systemd: false,
    verbose: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      options.files.push(...argv.slice(i + 1));
      break;
    }
    if (WITH_VALUE.has(a)) {
      const v = argv[i + 1];
      if (v === undefined) return { ok: false, error: `option '${a}' requires an argument` };
      i++;
      switch (a) {
        case '-f':
          options.files.push(v);
          break;
        case '-p':
          options.pidfile = v;
          break;
        case '-cc':
          options.checkCondition = v;
          break;
        case '-S':
          options.masterCli.push(v);
          break;
        case '-L':
          options.localPeer = v;
          break;
        case '-n':
          if (!/^\d+$/.test(v)) return { ok: false, error: `option '-n' expects a number, got '${v}'` };
          options.maxconn = Number(v);
          break;
        case '-C':
          options.chdir = v;
          break;
        case '-x':
          options.exposeFdSocket = v;
          break;
        // -N and -m are accepted and ignored (per-proxy default maxconn, memory limit).
      }
      continue;
    }
    if (a === '-sf' || a === '-st') {
      const pids = a === '-sf' ? options.softStopPids : options.hardStopPids;
      while (i + 1 < argv.length && /^\d+$/.test(argv[i + 1])) pids.push(Number(argv[++i]));
      continue;
    }
    switch (a) {
      case '-c':
        options.check = true;
        continue;
      case '-q':
        options.quiet = true;
        continue;
      case '-V':
        options.verbose = true;
        continue;
      case '-d':
        options.debug = true;
        continue;
      case '-D':
        options.daemon = true;
        continue;
      case '-W':
        options.masterWorker = true;
        continue;
      case '-Ws':
        options.masterWorker = true;
        options.systemd = true;
        continue;
      case '-v':
        options.version = Math.max(options.version, 1) as 1 | 2;
        continue;
      case '-vv':
        options.version = 2;
        continue;
    }
    // -dM[<byte>[,opts]], -db, -dV, -dr, -dW, -de, -dp, -dS, -dG, -dk, -dD, -dZ, -dR, -dF: debug switches.
    if (/^-d[A-Za-z]/.test(a)) {
      options.debugFlags.push(a);
      if (a === '-db') options.debug = true;
      continue;
    }
    return { ok: false, error: `unknown option '${a}'` };
  }
  // Like HAProxy: nothing to load and nothing else asked for is a usage error.
  if (options.files.length === 0 && options.version === 0 && options.checkCondition === undefined) return { ok: false, error: 'No configuration file specified (-f <cfgfile|cfgdir>).' };
  return { ok: true, options };
}
