// Ended connections leave their sockets and read buffers in V8's old generation, which only a
// major GC frees. The data plane promotes little else, so that GC can wait through many
// turnovers of a whole client population while the resident set grows by megabytes each time.
// After enough connections ended, ask for a major GC (at most once a second); `gc` exists
// because the data-plane flags include --expose-gc (src/process/node-flags.ts).

const ENDED_PER_GC = 100;
const MIN_INTERVAL_MS = 1000;

type GcFunction = (options: { type: 'major'; execution: 'async' }) => unknown;
const gc = (globalThis as { gc?: GcFunction }).gc;
let ended = 0;
let last = 0;

export function connectionEnded(now: number): void {
  if (!gc || ++ended < ENDED_PER_GC || now - last < MIN_INTERVAL_MS) return;
  ended = 0;
  last = now;
  void gc({ type: 'major', execution: 'async' });
}
