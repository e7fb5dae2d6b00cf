// STUB (issue 2 replaces it): HAProxy-style command line.
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
}

export type ParsedArgs = { ok: true; options: CliOptions } | { ok: false; error: string };

export function parseArgs(argv: string[]): ParsedArgs {
  const options: CliOptions = { files: [], check: false, quiet: false, debug: false, daemon: false, masterWorker: false, version: 0, softStopPids: [], hardStopPids: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-f') options.files.push(argv[++i] ?? '');
    else if (a === '-c') options.check = true;
    else return { ok: false, error: `unknown option '${a}'` };
  }
  return { ok: true, options };
}
