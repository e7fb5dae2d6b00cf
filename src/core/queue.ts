// Queues for requests that found no free server (HAProxy's backend and per-server queues).
//
// API for the data plane:
//   const s = proxy.balancer.pick(key)       // usable and below maxconn → use it:
//   if (s) proxy.balancer.taken(s)           //   count it, and on end call releaseServer(s)
//   else if (hasUsableServer(proxy))         // all usable servers full → wait:
//     const ticket = waitForServer(proxy, key, timeoutMs, (server) => {
//       // server: already `taken` for you; undefined: `timeout queue` expired (answer 503, sQ)
//     });
//     ticket.cancel()                        // client went away while queued
//   releaseServer(server)                    // a request on `server` ended: frees the slot and
//                                            // hands it to the oldest waiter that may use it
//   waitForServer(proxy, key, t, cb, server) // persistence to one server: per-server queue,
//                                            // refused at once (cb(undefined)) beyond `maxqueue`
// Queue gauges go to beCounters / server counters (qcur, qmax). Any state change that frees
// capacity (server UP, READY, weight, maxconn) calls dispatchQueues(proxy) via apply/control.

import type { Proxy } from './proxy.js';
import type { Server } from './server.js';
import type { BalanceKey } from './balance/types.js';
import { effectiveWeight } from './server-state.js';

export interface QueueTicket {
  cancel(): void;
}

interface Waiter {
  key: BalanceKey;
  cb: (server: Server | undefined) => void;
  timer: NodeJS.Timeout;
  done: boolean;
}

const backendQueues = new WeakMap<Proxy, Waiter[]>();
const serverQueues = new WeakMap<Server, Waiter[]>();

/** True when some server could take traffic if it had room (else queueing is pointless: 503). */
export function hasUsableServer(proxy: Proxy, nowMs = Date.now()): boolean {
  return proxy.servers.some((s) => effectiveWeight(s.state, s.config.slowstart, nowMs) > 0);
}

function queueLength(q: Waiter[] | undefined): number {
  return q ? q.length : 0;
}

/** Requests waiting for `proxy` (backend queue) or for one server. */
export function queued(target: Proxy | Server): number {
  return 'servers' in target ? queueLength(backendQueues.get(target)) : queueLength(serverQueues.get(target));
}

export function waitForServer(
  proxy: Proxy, key: BalanceKey, timeoutMs: number, cb: (server: Server | undefined) => void, server?: Server,
): QueueTicket {
  const counters = server ? server.counters : proxy.beCounters;
  if (server && server.maxqueue > 0 && queueLength(serverQueues.get(server)) >= server.maxqueue) {
    queueMicrotask(() => cb(undefined));
    return { cancel() {} };
  }
  const list = server ? queueOf(serverQueues, server) : queueOf(backendQueues, proxy);
  const leave = (w: Waiter): void => {
    if (w.done) return;
    w.done = true;
    clearTimeout(w.timer);
    const i = list.indexOf(w);
    if (i >= 0) list.splice(i, 1);
    counters.dequeued();
  };
  const w: Waiter = {
    key,
    cb,
    done: false,
    timer: setTimeout(() => {
      leave(w);
      cb(undefined);
    }, timeoutMs),
  };
  list.push(w);
  counters.queued();
  return { cancel: () => leave(w) };
}

function queueOf<K extends object>(map: WeakMap<K, Waiter[]>, owner: K): Waiter[] {
  let q = map.get(owner);
  if (!q) map.set(owner, (q = []));
  return q;
}

/** A request on `server` ended: release its slot, then serve whoever waits. */
export function releaseServer(server: Server): void {
  server.proxy.balancer?.released(server);
  dispatchQueues(server.proxy);
}

/** Hand free slots to waiters: a server's own queue first, then the backend queue in order. */
export function dispatchQueues(proxy: Proxy): void {
  const lb = proxy.balancer;
  if (!lb) return;
  for (const s of proxy.servers) {
    const q = serverQueues.get(s);
    while (q && q.length > 0 && (s.maxconn === 0 || s.served < s.maxconn)) {
      const w = q.shift()!;
      w.done = true;
      clearTimeout(w.timer);
      s.counters.dequeued();
      lb.taken(s);
      w.cb(s);
    }
  }
  const q = backendQueues.get(proxy);
  while (q && q.length > 0) {
    const s = lb.pick(q[0]!.key);
    if (!s) break;
    const w = q.shift()!;
    w.done = true;
    clearTimeout(w.timer);
    proxy.beCounters.dequeued();
    lb.taken(s);
    w.cb(s);
  }
}
