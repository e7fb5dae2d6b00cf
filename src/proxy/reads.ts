// Socket reads into a reused per-connection buffer (node:net's `onread`), instead of a fresh
// Buffer and a stream 'data' event per read: that path costs a malloc, a nextTick and the
// Readable machinery on every read, a third of the proxy's user-space time per request.
//
// The rule that keeps it safe: a chunk is a view of the buffer the next read overwrites. Code
// that keeps a chunk past the callback (a write the kernel did not take at once, a stored
// slice) calls keep(), and the next read then goes to a new buffer.

import net from 'node:net';
import { write } from './direct-write.js';

// Reads start in a small buffer: most reads on a proxy are a head or a small message, and
// 400 connections with 16 KB each would be a tenth of the process's memory. A read that fills
// the small buffer moves the connection to a large one (bodies, big heads), taken from a
// process-wide free list; four small reads in a row give it back.
const SMALL_READ = 2048;
const LARGE_READ = 16384;
const SMALL_READS_BEFORE_SHRINK = 4;
const MAX_FREE_LARGE = 64;
const freeLarge: Buffer[] = [];

function takeLarge(): Buffer {
  return freeLarge.pop() ?? Buffer.allocUnsafeSlow(LARGE_READ);
}

export class ReadLoop {
  private small: Buffer | null = Buffer.allocUnsafeSlow(SMALL_READ);
  private buf: Buffer = this.small!;
  private kept = false;
  private lastRead = 0;
  private smallReads = 0;

  constructor(public onChunk: (chunk: Buffer) => void) {}

  /** The last chunk is still referenced: read the next one into a new buffer. */
  keep(): void {
    this.kept = true;
  }

  /** The buffer for the next read; Node asks after every read. */
  private next(): Buffer {
    const n = this.lastRead;
    const large = this.buf.length === LARGE_READ;
    const kept = this.kept;
    this.kept = false;
    if (!large) {
      if (kept) this.small = null;
      if (n === this.buf.length) return (this.buf = takeLarge());
      return (this.buf = this.small ??= Buffer.allocUnsafeSlow(SMALL_READ));
    }
    this.smallReads = n <= SMALL_READ ? this.smallReads + 1 : 0;
    if (this.smallReads < SMALL_READS_BEFORE_SHRINK) {
      if (kept) this.buf = takeLarge();
      return this.buf;
    }
    this.smallReads = 0;
    if (!kept && freeLarge.length < MAX_FREE_LARGE) freeLarge.push(this.buf);
    return (this.buf = this.small ??= Buffer.allocUnsafeSlow(SMALL_READ));
  }

  readonly onread = {
    buffer: (): Buffer => this.next(),
    callback: (n: number, buf: Uint8Array): boolean => {
      this.lastRead = n;
      this.onChunk((buf as Buffer).subarray(0, n));
      return true;
    },
  };
}

/** Write `chunk` (read by `reads`) to `to`; true unless `to` is over its high-water mark. */
export function send(to: net.Socket, chunk: Buffer, reads: ReadLoop | undefined): boolean {
  const ok = write(to, chunk);
  if (!ok || to.writableLength > 0) reads?.keep();
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
