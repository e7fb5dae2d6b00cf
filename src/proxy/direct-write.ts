// Writes that go straight to a socket's handle. socket.write() runs the Writable machinery on
// every call (state checks, a write request object, a bound callback, a nextTick to report
// it done): about a tenth of the proxy's CPU in tcp mode, where each chunk is written once.
// When nothing is queued on the socket, the kernel almost always takes the whole chunk at
// once, and none of that is needed.
//
// The rules that keep it safe:
// - only when the socket is connected, not ending, and holds nothing queued, by the Writable
//   or by an earlier direct write, so bytes keep their order;
// - a write the kernel takes only in part finishes in libuv's queue, which libuv keeps in
//   order ahead of later writes and of the shutdown that end() asks for; the socket then
//   emits 'drain' when it is done, as a full Writable would;
// - an error leaves the write to socket.write(), which meets the same error and reports it the
//   usual way ('error', then 'close').
// If the binding lacks what this needs (another Node version), every write takes the Writable
// path. The data plane has no TLS sockets; one would need its own check before coming here.

import net from 'node:net';
import { getSystemErrorName } from 'node:util';

interface StreamBinding {
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
}

interface WriteReq {
  handle?: unknown;
  oncomplete?: (this: WriteReq, status: number) => void;
  buffer?: Buffer | null;
  socket?: net.Socket;
}

interface StreamHandle {
  writeBuffer(req: WriteReq, data: Buffer): number;
  writeLatin1String(req: WriteReq, data: string): number;
}

const binding = loadBinding();

function loadBinding(): StreamBinding | undefined {
  try {
    const b = (process as unknown as { binding(name: string): Partial<StreamBinding> }).binding('stream_wrap');
    if (typeof b.WriteWrap === 'function' && b.streamBaseState instanceof Int32Array && typeof b.kLastWriteWasAsync === 'number') {
      return b as StreamBinding;
    }
  } catch {
    // Not available: every write takes the Writable path.
  }
  return undefined;
}

/** Direct writes of a socket still in libuv's queue. */
const inFlight = Symbol('directWritesInFlight');
type Tracked = net.Socket & { [inFlight]?: number; _handle?: Partial<StreamHandle> | null };

/** A request object is only kept by the handle when a write is queued; until then one serves all. */
let spare: WriteReq | undefined;

function onQueuedWriteDone(this: WriteReq, status: number): void {
  const sock = this.socket as Tracked;
  this.buffer = null;
  sock[inFlight]! -= 1;
  if (sock.destroyed) return;
  if (status < 0) {
    const code = getSystemErrorName(status);
    sock.destroy(Object.assign(new Error(`write ${code}`), { errno: status, code, syscall: 'write' }));
    return;
  }
  if (sock[inFlight] === 0 && sock.writableLength === 0) sock.emit('drain');
}

/**
 * Write `data` (a Buffer, or a latin1 string) to `sock`; false when it did not all leave at
 * once, like socket.write(): wait for 'drain'. A Buffer that returns false is still referenced.
 */
export function write(sock: net.Socket, data: Buffer | string): boolean {
  const s = sock as Tracked;
  const h = s._handle;
  if (binding === undefined || !h || s.connecting || s.writableLength > 0 || s.writableEnded || s.destroyed || (s[inFlight] ?? 0) > 0) {
    return viaWritable(sock, data);
  }
  const req = (spare ??= new binding.WriteWrap());
  const err = typeof data === 'string' ? h.writeLatin1String!(req, data) : h.writeBuffer!(req, data);
  if (err !== 0) return viaWritable(sock, data);
  if (binding.streamBaseState[binding.kLastWriteWasAsync] === 0) return true;
  // Queued in libuv: this request object now belongs to the write.
  spare = undefined;
  req.handle = h;
  req.socket = sock;
  req.buffer = typeof data === 'string' ? null : data;
  req.oncomplete = onQueuedWriteDone;
  s[inFlight] = (s[inFlight] ?? 0) + 1;
  return false;
}

function viaWritable(sock: net.Socket, data: Buffer | string): boolean {
  return typeof data === 'string' ? sock.write(data, 'latin1') : sock.write(data);
}

/** The socket holds bytes the kernel has not taken yet, by either path: wait for 'drain'. */
export function mustDrain(sock: net.Socket): boolean {
  return sock.writableNeedDrain || ((sock as Tracked)[inFlight] ?? 0) > 0;
}
