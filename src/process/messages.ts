// Messages between the master and its workers over the cluster IPC channel. Plain JSON data.

import type { OperatorState } from './operator-state.js';

export type MasterToWorker =
  | { t: 'sy:start'; state: OperatorState }
  | { t: 'sy:stop'; graceful: boolean }
  | { t: 'sy:change'; states: OperatorState }
  | { t: 'sy:export'; id: number }
  | { t: 'sy:snapshot'; id: number; kind: string }
  | { t: 'sy:collected'; id: number; parts: unknown[] }
  /** A master CLI line for this worker's runtime API. */
  | { t: 'sy:cli'; id: number; line: string };

export type WorkerToMaster =
  /** Sent once the worker listens for messages; anything sent before would be lost. */
  | { t: 'sy:hello' }
  | { t: 'sy:ready' }
  | { t: 'sy:failed'; message: string }
  | { t: 'sy:change'; states: OperatorState }
  | { t: 'sy:exported'; id: number; state: OperatorState }
  | { t: 'sy:collect'; id: number; kind: string }
  | { t: 'sy:snapshotted'; id: number; part: unknown }
  | { t: 'sy:cli-reply'; id: number; text: string };

export function isMessage(m: unknown): m is { t: string } {
  return typeof m === 'object' && m !== null && typeof (m as { t?: unknown }).t === 'string' && (m as { t: string }).t.startsWith('sy:');
}
