// V8 flags the data plane runs with. A small young generation keeps each scavenge short (the
// p99 latency under load) and the resident set small; per-request garbage dies young anyway.
// V8's work on the main thread only (--single-threaded: GC and optimizing compiles): helper
// threads on the proxy's own core cost a context switch per ~20 requests (4x HAProxy's rate)
// and ~20% more CPU per request, measured pinned to one core; with one platform thread
// (--v8-pool-size=1) the process is also ~4 MB smaller at 200 connections. --expose-gc lets
// the data plane ask for a major GC after many connections ended (src/proxy/planned-gc.ts).
// --no-allocation-site-pretenuring: at 200 connections V8 sometimes decides that the header
// arrays of a parsed head outlive young collections (the in-flight requests' do) and then
// allocates all of them in old space. Every string they hold is then promoted: half of each
// young collection survived, a full GC ran every second, RSS rose from 58 to 86 MB and CPU per
// request by 15-40%, in 4 of 8 runs; in none of 16 with the flag.
// --no-icu-timezone-data: local time (access-log and syslog dates) from the C library's
// localtime_r instead of ICU. Same hours and DST changes; the ICU code and time-zone data the
// first log line pulled in stayed resident, 0.44 MB of the peak with logging. Only the zone
// name in Date#toString changes ("CET", not "Central European Standard Time"), which the data
// plane never prints.
// bin/switchyard.js's shebang carries the same flags for a directly started process.

export const DATA_PLANE_NODE_FLAGS = ['--max-semi-space-size=2', '--single-threaded', '--v8-pool-size=1', '--expose-gc', '--no-allocation-site-pretenuring', '--no-icu-timezone-data'];

/** `execArgv` plus the data-plane flags it does not already set. */
export function withDataPlaneFlags(execArgv: readonly string[]): string[] {
  const names = new Set(execArgv.map((a) => a.split('=')[0]));
  return [...execArgv, ...DATA_PLANE_NODE_FLAGS.filter((f) => !names.has(f.split('=')[0]))];
}
