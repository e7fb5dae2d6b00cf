// The snapshot the API and the exporter render: this runtime's, or the whole process's when
// several workers serve. A merge that does not come back in time (a worker gone mid-way)
// falls back to this worker's own view rather than leaving a client waiting: hatop gives up
// after one second.

import type { Runtime } from '../core/runtime.js';
import { buildSnapshot, type Snapshot } from '../stats/snapshot.js';

const MERGE_WAIT_MS = 500;

export function apiSnapshot(runtime: Runtime, collect?: () => Promise<Snapshot>): Snapshot | Promise<Snapshot> {
  const own = (): Snapshot => buildSnapshot(runtime, Date.now());
  if (!collect) return own();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(own()), MERGE_WAIT_MS);
    const settle = (snap: Snapshot): void => {
      clearTimeout(timer);
      resolve(snap);
    };
    collect().then(settle, () => settle(own()));
  });
}
