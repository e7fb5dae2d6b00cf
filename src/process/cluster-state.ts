// One process view across several workers (nbthread N runs N workers).
//
// Hooks for the control plane, usable the same way with one worker or many:
// - control/ calls `publishChange` after applying an operator change locally; the master
//   relays it to every other worker, whose `onChange` handler applies it through control/.
// - stats/ and api/ register a snapshot provider with `provide(kind, fn)` and call
//   `collect(kind)` to get one part per worker (its own included), then sum them.
// Outside a cluster (plain foreground process) both work locally.

import cluster from 'node:cluster';
import type { MasterToWorker, ServerChange, WorkerToMaster } from './messages.js';
import { isMessage } from './messages.js';

type Provider = () => unknown;

const providers = new Map<string, Provider>();
const changeHandlers: Array<(change: ServerChange) => void> = [];
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
    if (msg.t === 'sy:change') for (const h of changeHandlers) h(msg.change);
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

/** Tell the other workers about an operator change already applied here. */
export function publishChange(change: ServerChange): void {
  if (inCluster()) send({ t: 'sy:change', change });
}

/** Apply changes made in other workers. */
export function onChange(handler: (change: ServerChange) => void): void {
  listen();
  changeHandlers.push(handler);
}
