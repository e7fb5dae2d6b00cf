// `switchyard -c`: output and exit codes like `haproxy -c`.
import { loadConfig, ZERO_WARNING_ABORT } from './load.js';
import type { Diagnostic } from './model.js';
import { VERSION } from '../cli/version.js';
import { lexLine } from './lexer.js';
import { evalCondExpr } from './cond-expr.js';

export interface CheckOptions {
  quiet: boolean;
  env?: NodeJS.ProcessEnv;
  out?: (text: string) => void;
  err?: (text: string) => void;
  pid?: number;
  /** shown in the `path to executable` notice */
  exe?: string;
  /** -dW: any warning fails the check, as `zero-warning` does */
  zeroWarning?: boolean;
}

/** `[TAG]` left-justified in 10 columns, then `(pid) : ` — HAProxy's stderr line shape. */
export function formatDiagnostic(d: Diagnostic, pid: number): string {
  const tag = `[${d.severity.toUpperCase()}]`.padEnd(10);
  return `${tag} (${pid}) : config : ${d.message}\n`;
}

export function runCheck(files: string[], opts: CheckOptions): number {
  const pid = opts.pid ?? process.pid;
  const out = opts.out ?? ((t: string) => void process.stdout.write(t));
  const err = opts.err ?? ((t: string) => void process.stderr.write(t));
  const quiet = opts.quiet;
  const { diagnostics, hasListener, aborted } = loadConfig(files, opts.env ?? process.env);
  const lines = [...diagnostics];
  const hasAlert = lines.some((d) => d.severity === 'alert');
  const warnings = lines.some((d) => d.severity === 'warning');
  const addrFailure = lines.some((d) => d.message === 'Failed to initialize server(s) addr.');
  const missingFile = lines.some((d) => d.message.startsWith('Cannot open configuration file/directory'));
  const zeroWarningAbort = lines.some((d) => d.message === ZERO_WARNING_ABORT);
  let rc = 0;
  if (hasAlert) {
    if (!addrFailure && !missingFile && !aborted && !zeroWarningAbort) lines.push({ severity: 'alert', message: 'Fatal errors found in configuration.' });
    rc = 1;
  } else if (warnings && opts.zeroWarning) {
    lines.push({ severity: 'alert', message: ZERO_WARNING_ABORT });
    rc = 1;
  }
  if (!quiet) {
    if (lines.length > 0 && !missingFile) {
      err(`[NOTICE]   (${pid}) : haproxy version is ${VERSION}\n`);
      err(`[NOTICE]   (${pid}) : path to executable is ${opts.exe ?? process.argv[1] ?? 'switchyard'}\n`);
    }
    for (const d of lines) err(formatDiagnostic(d, pid));
  }
  if (rc !== 0) return rc;
  if (!quiet && warnings) out('Warnings were found.\n');
  if (!hasListener) {
    if (!quiet) out('Configuration file has no error but will not start (no listener) => exit(2).\n');
    return 2;
  }
  if (!quiet) out('Configuration file is valid\n');
  return 0;
}

/** `switchyard -cc <expr>`: exit 0 when the condition is true, 1 when false or invalid. */
export function runCheckCondition(expr: string, opts: { env?: NodeJS.ProcessEnv; err?: (text: string) => void; pid?: number } = {}): number {
  const env = opts.env ?? process.env;
  const err = opts.err ?? ((t: string) => void process.stderr.write(t));
  const lexed = lexLine(expr, env);
  const r = lexed.error ? ({ ok: false, error: lexed.error } as const) : evalCondExpr(lexed.words.join(' '), env);
  if (!r.ok) {
    err(`[ALERT]    (${opts.pid ?? process.pid}) : Failed to evaluate condition: ${r.error}\n`);
    return 1;
  }
  return r.value ? 0 : 1;
}
