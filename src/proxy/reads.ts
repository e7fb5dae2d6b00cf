// Socket reads into a reused per-connection buffer (node:net's `onread`), instead of a fresh
// Buffer and a stream 'data' event per read: that path costs a malloc, a nextTick and the
// Readable machinery on every read, a third of the proxy's user-space time per request.
//
// The rule that keeps it safe: a chunk is a view of the buffer the next read overwrites. Code
// that keeps a chunk past the callback (a write the kernel did not take at once, a stored
// slice) calls keep(), and the next read then goes to a new buffer.

import net from 'node:net';

const READ_SIZE = 16384;

export class ReadLoop {
  private buf = Buffer.allocUnsafe(READ_SIZE);
  private kept = false;

  constructor(public onChunk: (chunk: Buffer) => void) {}

  /** The last chunk is still referenced: read the next one into a new buffer. */
  keep(): void {
    this.kept = true;
  }

  readonly onread = {
    buffer: (): Buffer => {
      if (this.kept) {
        this.kept = false;
        this.buf = Buffer.allocUnsafe(READ_SIZE);
      }
      return this.buf;
    },
    callback: (n: number, buf: Uint8Array): boolean => {
      this.onChunk((buf as Buffer).subarray(0, n));
      return true;
    },
  };
}

/** Write `chunk` (read by `reads`) to `to`; true unless `to` is over its high-water mark. */
export function send(to: net.Socket, chunk: Buffer, reads: ReadLoop | undefined): boolean {
  const ok = to.write(chunk);
  if (to.writableLength > 0) reads?.keep();
  return ok;
}

/**
 * Re-wrap a socket accepted with `pauseOnConnect` so its reads go through `reads`. net.Server
 * has no `onread` option; the accepted handle is moved to a Socket built with one (the
 * original never read a byte). Falls back to 'data' events if the handle is not there.
 */
export function adoptAccepted(sock: net.Socket, reads: ReadLoop, allowHalfOpen: boolean): net.Socket {
  const s = sock as unknown as { _handle: unknown };
  const handle = s._handle;
  if (!handle) {
    sock.on('data', (d: Buffer) => reads.onChunk(d));
    sock.resume();
    return sock;
  }
  s._handle = null;
  sock.destroy();
  const opts = { handle, allowHalfOpen, onread: reads.onread } as unknown as net.SocketConstructorOpts;
  return new net.Socket(opts);
}

/** Connect with reads going through `reads`. */
export function dial(opts: net.NetConnectOpts, reads: ReadLoop): net.Socket {
  return net.connect({ ...opts, onread: reads.onread } as net.NetConnectOpts);
}
