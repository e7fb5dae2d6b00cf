// One process view across several workers (nbthread N runs N workers).
//
// - Operator state: each worker publishes the server states an operator changed
//   (`publishStates`); the master relays them to every worker in one order (`onStates`).
//   worker.ts does this for every worker by comparing control/'s exportOperatorState.
// - Snapshots: a part registered with `provide(kind, fn)` is gathered from every worker by
//   `collect(kind)` (its own included); process-snapshot.ts builds the summed stats on it.
// Outside a cluster (plain foreground process) both work locally.

import cluster from 'node:cluster';
import type { MasterToWorker, WorkerToMaster } from './messages.js';
import type { OperatorState } from './operator-state.js';
import { isMessage } from './messages.js';

type Provider = () => unknown;

const providers = new Map<string, Provider>();
const stateHandlers: Array<(states: OperatorState) => void> = [];
const pending = new Map<number, (parts: unknown[]) => void>();
let nextId = 1;
let listening = false;

function send(msg: WorkerToMaster): void {
  process.send?.(msg);
}

function inCluster(): boolean {
  return cluster.isWorker && process.connected;
}

function listen(): void {
  if (listening || !cluster.isWorker) return;
  listening = true;
  process.on('message', (m: unknown) => {
    if (!isMessage(m)) return;
    const msg = m as MasterToWorker;
    if (msg.t === 'sy:change') for (const h of stateHandlers) h(msg.states);
    else if (msg.t === 'sy:snapshot') send({ t: 'sy:snapshotted', id: msg.id, part: providers.get(msg.kind)?.() ?? null });
    else if (msg.t === 'sy:collected') {
      const resolve = pending.get(msg.id);
      pending.delete(msg.id);
      resolve?.(msg.parts);
    }
  });
}

/** Register the function that gives this worker's part of a `kind` of snapshot. */
export function provide(kind: string, fn: Provider): void {
  listen();
  providers.set(kind, fn);
}

/** One part per live worker of the current generation, this worker's included. */
export function collect<T>(kind: string): Promise<T[]> {
  const own = providers.get(kind);
  if (!inCluster()) return Promise.resolve(own ? [own() as T] : []);
  listen();
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, (parts) => resolve(parts.filter((p) => p !== null) as T[]));
    send({ t: 'sy:collect', id, kind });
  });
}

/** Send server states changed here to every worker (this one included) through the master. */
export function publishStates(states: OperatorState): void {
  if (inCluster()) send({ t: 'sy:change', states });
}

/** Receive published server states, in the master's order. */
export function onStates(handler: (states: OperatorState) => void): void {
  listen();
  stateHandlers.push(handler);
}
