// V8 flags the data plane runs with. A small young generation keeps each scavenge short (the
// p99 latency under load) and the resident set small; per-request garbage dies young anyway.
// bin/switchyard.js's shebang carries the same flags for a directly started process.

export const DATA_PLANE_NODE_FLAGS = ['--max-semi-space-size=2'];

/** `execArgv` plus the data-plane flags it does not already set. */
export function withDataPlaneFlags(execArgv: readonly string[]): string[] {
  const names = new Set(execArgv.map((a) => a.split('=')[0]));
  return [...execArgv, ...DATA_PLANE_NODE_FLAGS.filter((f) => !names.has(f.split('=')[0]))];
}
