// Listening-socket duplicates: every copy accepts on the same port, and closing them all
// frees it (a copy left open would keep the port after a reload).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readdirSync, readlinkSync } from 'node:fs';
import { duplicateHandles } from '../../src/proxy/listener-copies.js';

function listenOn(server: net.Server, handle?: object): Promise<void> {
  return new Promise((r) => (handle ? server.listen(handle, r) : server.listen(0, '127.0.0.1', r)));
}

function socketInodes(): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const l = readlinkSync(`/proc/self/fd/${fd}`);
      return l.startsWith('socket:') ? [l] : [];
    } catch {
      return [];
    }
  });
}

const connectOnce = (port: number): Promise<string> =>
  new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    let got = '';
    c.on('data', (d) => (got += d));
    c.on('close', () => resolve(got));
    c.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });

test('three duplicates of a TCP listener: four descriptors on one socket, all accepting, port free once all close', async () => {
  const byServer = new Map<net.Server, number>();
  const make = (): net.Server => {
    const s = net.createServer((c) => {
      byServer.set(s, (byServer.get(s) ?? 0) + 1);
      c.end('hi');
    });
    return s;
  };
  const first = make();
  await listenOn(first);
  const port = (first.address() as net.AddressInfo).port;
  const inode = readlinkSync(`/proc/self/fd/${(first as unknown as { _handle: { fd: number } })._handle.fd}`);

  const [handles] = await duplicateHandles([first], 3);
  assert.equal(handles!.length, 3);
  const copies = handles!.map(() => make());
  await Promise.all(copies.map((s, i) => listenOn(s, handles![i])));
  assert.equal(socketInodes().filter((l) => l === inode).length, 4, 'four descriptors of the listening socket');

  const answers = await Promise.all(Array.from({ length: 40 }, () => connectOnce(port)));
  assert.deepEqual(new Set(answers), new Set(['hi']));
  assert.equal([...byServer.values()].reduce((a, b) => a + b, 0), 40);

  await Promise.all([first, ...copies].map((s) => new Promise((r) => s.close(r))));
  assert.equal(socketInodes().filter((l) => l === inode).length, 0);
  assert.equal(await connectOnce(port), 'ECONNREFUSED');
});

test('unix-socket listeners are left alone (a copy would be a second owner of one descriptor)', async (t) => {
  const path = `/tmp/sy-copies-${process.pid}.sock`;
  const s = net.createServer((c) => c.end());
  await new Promise<void>((r) => s.listen(path, r));
  t.after(() => s.close());
  const [handles] = await duplicateHandles([s], 3);
  assert.deepEqual(handles, []);
});
