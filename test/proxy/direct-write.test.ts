// Direct handle writes (src/proxy/direct-write.ts) over real loopback sockets: bytes keep their
// order when the kernel takes a write only in part and later writes queue behind it, 'drain'
// comes once the queue is empty, end() sends FIN after everything, strings go out as latin1,
// and a write to a reset connection reports an error instead of throwing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { mustDrain, write } from '../../src/proxy/direct-write.js';
import { dial, ReadLoop } from '../../src/proxy/reads.js';

interface Pair {
  near: net.Socket;
  far: net.Socket;
  close(): void;
}

async function pair(): Promise<Pair> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection');
  // Dialled as the data plane dials: pause() then stops reading at once.
  const near = dial({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1' }, new ReadLoop(() => {}));
  await once(near, 'connect');
  const [far] = (await accepted) as [net.Socket];
  return {
    near,
    far,
    close() {
      near.destroy();
      far.destroy();
      server.close();
    },
  };
}

/** 64 KB chunk number `n`: every byte says which chunk it belongs to. */
function chunk(n: number): Buffer {
  return Buffer.alloc(65536, n % 251);
}

/** Stop the far end reading and write chunks until one is queued; returns how many were written. */
function fillUntilQueued(p: Pair): number {
  p.far.pause();
  let n = 0;
  // Until the socket buffers fill, each chunk leaves at once.
  while (write(p.near, chunk(n++))) assert.ok(n < 2000, 'the kernel never pushed back');
  return n;
}

function collect(sock: net.Socket): { bytes: () => Buffer; ended: Promise<void> } {
  const parts: Buffer[] = [];
  sock.on('data', (d: Buffer) => parts.push(d));
  return { bytes: () => Buffer.concat(parts), ended: once(sock, 'end').then(() => undefined) };
}

test('a write the kernel takes in part queues; later writes follow it in order and drain comes when all left', { timeout: 10000 }, async () => {
  const p = await pair();
  try {
    let n = fillUntilQueued(p);
    assert.equal(mustDrain(p.near), true);
    // Queued behind the partial write (through the Writable path).
    for (let i = 0; i < 3; i++) write(p.near, chunk(n++));
    const drained = once(p.near, 'drain');
    const got = collect(p.far);
    p.far.resume();
    await drained;
    assert.equal(mustDrain(p.near), false);
    p.near.end();
    await got.ended;
    const bytes = got.bytes();
    assert.equal(bytes.length, n * 65536);
    for (let i = 0; i < n; i++) assert.equal(bytes[i * 65536 + 65535], i % 251, `chunk ${i} out of order`);
  } finally {
    p.close();
  }
});

test('end() right after a queued write sends every byte before the FIN', { timeout: 10000 }, async () => {
  const p = await pair();
  try {
    const n = fillUntilQueued(p);
    p.near.end();
    const got = collect(p.far);
    p.far.resume();
    await got.ended;
    assert.equal(got.bytes().length, n * 65536);
  } finally {
    p.close();
  }
});

test('a string goes out as latin1, one byte per character', { timeout: 10000 }, async () => {
  const p = await pair();
  try {
    const got = collect(p.far);
    assert.equal(write(p.near, 'caf\u00e9\r\n'), true);
    p.near.end();
    await got.ended;
    assert.deepEqual([...got.bytes()], [0x63, 0x61, 0x66, 0xe9, 0x0d, 0x0a]);
  } finally {
    p.close();
  }
});

/** Reset the far end, run `after`, then expect the near socket's write error and its close. */
async function expectWriteErrorAfterReset(p: Pair, after: () => Promise<void>): Promise<void> {
  const errored = once(p.near, 'error');
  const closed = new Promise((r) => p.near.once('close', r));
  p.far.resetAndDestroy();
  await after();
  const [err] = (await errored) as [NodeJS.ErrnoException];
  assert.match(String(err.code), /^(EPIPE|ECONNRESET)$/);
  assert.equal(err.syscall, 'write');
  await closed;
}

test('a write to a connection the peer reset reports an error and closes the socket', { timeout: 10000 }, async () => {
  const p = await pair();
  try {
    // Not reading: the reset is found by the write, not by a read.
    p.near.pause();
    await expectWriteErrorAfterReset(p, async () => {
      await new Promise((r) => setTimeout(r, 50));
      assert.doesNotThrow(() => write(p.near, chunk(0)));
    });
  } finally {
    p.close();
  }
});

test('a queued write that the peer resets reports the error and closes the socket', { timeout: 10000 }, async () => {
  const p = await pair();
  try {
    p.near.pause();
    fillUntilQueued(p);
    await expectWriteErrorAfterReset(p, async () => {});
  } finally {
    p.close();
  }
});
