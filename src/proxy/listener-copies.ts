// Since libuv 1.45, a listening socket yields one accept per event-loop turn. Under load a
// turn takes milliseconds, so a burst of new connections waits in the kernel's queue for as
// many turns as there are connections: 200 arriving together, the last was accepted 300 ms
// later. HAProxy accepts up to tune.maxaccept per wakeup. Node 20 has no SO_REUSEPORT, but
// one listening socket can have several descriptors, each with its own watcher: a handle
// sent over IPC comes back as a duplicate. Each duplicate is one more accept per turn.

import cluster from 'node:cluster';
import type net from 'node:net';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A listening handle as node:net holds it (TCPWrap); `server.listen(handle)` takes it. */
export interface ListenHandle {
  close(): void;
}

const HELPER_TIMEOUT_MS = 5000;

/**
 * `count` duplicates of each TCP server's listening handle (index-aligned with `servers`).
 * Best effort: without a helper process (or in a cluster worker, whose listeners belong to
 * the primary) the lists come back short or empty and the servers work as they are.
 */
export async function duplicateHandles(servers: readonly net.Server[], count: number): Promise<ListenHandle[][]> {
  // The handles are read now: `servers` may grow while the helper works.
  const out: ListenHandle[][] = servers.map(() => []);
  // Only TCP: a unix socket's handle would come back as a second owner of one descriptor.
  const handles = servers.map((s) => (typeof s.address() === 'object' ? (s as unknown as { _handle?: ListenHandle })._handle : undefined));
  if (count <= 0 || cluster.isWorker || handles.every((h) => !h)) return out;
  let child: ChildProcess;
  try {
    child = fork(fileURLToPath(new URL('./handle-echo.js', import.meta.url)), [], { stdio: 'ignore', execArgv: [] });
  } catch {
    return out;
  }
  try {
    await new Promise<void>((resolve) => {
      let waiting = 0;
      const timer = setTimeout(resolve, HELPER_TIMEOUT_MS);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      child.on('error', done);
      child.on('exit', done);
      child.on('message', (index: unknown, handle: unknown) => {
        if (handle) out[Number(index)]?.push(handle as ListenHandle);
        if (--waiting === 0) done();
      });
      handles.forEach((h, i) => {
        for (let k = 0; h && k < count; k++) {
          waiting++;
          child.send(i, h as net.Server);
        }
      });
    });
  } finally {
    child.removeAllListeners();
    child.on('error', () => {});
    child.kill();
  }
  return out;
}
