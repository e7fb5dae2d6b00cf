// The data plane's read buffers (src/proxy/reads.ts) over real loopback sockets: a read that
// fills the small buffer moves the connection to a large one, small reads give it back to a
// shared free list, and a chunk the reader keeps is never overwritten by a later read, of its
// own connection or of another one that takes the large buffer next.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { dial, ReadLoop } from '../../src/proxy/reads.js';

interface Peer {
  /** Writes on the server side of the connection. */
  send(bytes: Buffer): Promise<void>;
  /** Every chunk the ReadLoop delivered, as delivered (views of its buffers). */
  chunks: Buffer[];
  /** Keep the next chunk (keep() in the read callback, as the data plane does). */
  keepNext: boolean;
  close(): void;
}

async function connectPeer(): Promise<Peer> {
  const chunks: Buffer[] = [];
  let received = 0;
  let waiter: { until: number; resolve: () => void } | undefined;
  const peer = { keepNext: false } as Peer;
  const reads = new ReadLoop((chunk) => {
    chunks.push(chunk);
    if (peer.keepNext) {
      peer.keepNext = false;
      reads.keep();
    }
    received += chunk.length;
    if (waiter && received >= waiter.until) waiter.resolve();
  });
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = dial({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port }, reads);
  const far = await accepted;
  let sent = 0;
  return Object.assign(peer, {
    chunks,
    async send(bytes: Buffer) {
      sent += bytes.length;
      const until = sent;
      // one write, then wait until all of it arrived: each write is then one read (or more)
      await new Promise<void>((resolve) => {
        waiter = { until, resolve };
        if (received >= until) resolve();
        far.write(bytes);
      });
    },
    close() {
      client.destroy();
      far.destroy();
      server.close();
    },
  });
}

const fill = (n: number, byte: number): Buffer => Buffer.alloc(n, byte);
const sizeOf = (chunk: Buffer): number => chunk.buffer.byteLength;

test('a read that fills the 2 KB buffer moves to 16 KB; four small reads move back', async (t) => {
  const p = await connectPeer();
  t.after(() => p.close());
  await p.send(fill(100, 1));
  assert.equal(sizeOf(p.chunks.at(-1)!), 2048, 'a connection starts small');
  await p.send(fill(2048, 2));
  assert.equal(sizeOf(p.chunks.at(-1)!), 2048);
  await p.send(fill(10000, 3));
  assert.equal(p.chunks.length, 3, 'the 10,000 bytes came in one read');
  assert.equal(sizeOf(p.chunks.at(-1)!), 16384, 'after a full small read the next read is large');
  for (let i = 0; i < 4; i++) {
    await p.send(fill(50, 4));
    assert.equal(sizeOf(p.chunks.at(-1)!), 16384, `small read ${i + 1} still in the large buffer`);
  }
  await p.send(fill(50, 5));
  assert.equal(sizeOf(p.chunks.at(-1)!), 2048, 'after four small reads the connection is small again');
});

test('a kept chunk survives later reads of its connection and of others that reuse freed buffers', async (t) => {
  const a = await connectPeer();
  const b = await connectPeer();
  t.after(() => (a.close(), b.close()));
  // a: into the large buffer and keep that chunk; then small reads, keeping the fourth, whose
  // read moves a back to a small buffer: neither large buffer may reach the free list
  await a.send(fill(2048, 0x11));
  a.keepNext = true;
  await a.send(fill(9000, 0x22));
  const kept = a.chunks.at(-1)!;
  for (let i = 0; i < 3; i++) await a.send(fill(40, 0x33));
  a.keepNext = true;
  await a.send(fill(40, 0x34));
  const keptSmall = a.chunks.at(-1)!;
  assert.equal(sizeOf(keptSmall), 16384, 'the fourth small read still came in a large buffer');
  const copies = [Buffer.from(kept), Buffer.from(keptSmall)];
  await a.send(fill(40, 0x35));
  // b: goes large and takes whatever the free list holds, then overwrites it with new bytes
  await b.send(fill(2048, 0x44));
  await b.send(fill(12000, 0x55));
  await b.send(fill(12000, 0x66));
  for (const c of b.chunks.slice(-2)) assert.ok(c.buffer !== kept.buffer && c.buffer !== keptSmall.buffer, 'a kept buffer never reaches the free list');
  assert.deepEqual([kept, keptSmall], copies, 'the kept chunks still hold the bytes they were read with');
  assert.ok(a.chunks.slice(-5).every((c) => c.buffer !== kept.buffer), 'a read after keep() went to another buffer');
});

test('a freed large buffer is reused by the next connection that needs one', async (t) => {
  const a = await connectPeer();
  const b = await connectPeer();
  t.after(() => (a.close(), b.close()));
  await a.send(fill(2048, 1));
  await a.send(fill(5000, 2));
  const large = a.chunks.at(-1)!.buffer;
  for (let i = 0; i < 5; i++) await a.send(fill(10, 3));
  assert.equal(sizeOf(a.chunks.at(-1)!), 2048);
  await b.send(fill(2048, 4));
  await b.send(fill(5000, 5));
  assert.equal(b.chunks.at(-1)!.buffer, large, 'b read into the buffer a gave back');
  assert.deepEqual(b.chunks.at(-1)!, fill(5000, 5));
});
