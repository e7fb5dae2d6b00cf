// The stats socket listeners on real sockets, around a runtime built from config text:
// unix sockets with their file mode, `ipv4@` tcp sockets, framing (lines, half-close,
// incomplete lines), `stats timeout` and `set timeout cli`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startStatsSockets } from '../../src/api/socket.js';
import type { Logger } from '../../src/log/logger.js';
import { freePort } from '../helpers/ports.js';
import { runtimeFrom } from '../stats/fixture.js';

const log: Logger = { event: () => {}, access: () => {} };

function config(sock: string, tcpPort: number, extra = ''): string {
  return `
global
    stats socket ${sock} mode 640 level admin
    stats socket ipv4@127.0.0.1:${tcpPort} level operator
${extra}
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
backend app
    server web1 127.0.0.1:8081
`;
}

/** Writes `input` (half-closing after it unless `keepOpen`) and reads until the server closes. */
function exchange(connect: net.NetConnectOpts, input: string, keepOpen = false): Promise<{ text: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const c = net.connect(connect);
    let text = '';
    c.on('data', (d: Buffer) => (text += d.toString('latin1')));
    c.on('error', reject);
    c.on('close', () => resolve({ text, ms: Date.now() - started }));
    c.setTimeout(15_000, () => c.destroy(new Error('no close from the server')));
    if (keepOpen) c.write(input);
    else c.end(input);
  });
}

test('unix socket with its mode and a tcp socket with its own level', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-sock-'));
  const sock = path.join(dir, 'admin.sock');
  const port = await freePort();
  const rt = runtimeFrom(config(sock, port), Date.now());
  const api = await startStatsSockets(rt, log);
  t.after(() => api.close());
  assert.equal(statSync(sock).mode & 0o777, 0o640);
  assert.ok(statSync(sock).isSocket());
  assert.equal((await exchange({ path: sock }, 'show cli level\n')).text, 'admin\n\n');
  assert.equal((await exchange({ host: '127.0.0.1', port }, 'show cli level\n')).text, 'operator\n\n');
  assert.equal((await exchange({ host: '127.0.0.1', port }, 'disable server app/web1\n')).text, 'Permission denied\n\n');
  assert.equal(rt.backend('app')!.servers[0]!.state.admin, 0);
});

test('framing: several lines answered in order, an unterminated line is not run, the server closes on its own', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-sock-'));
  const sock = path.join(dir, 'admin.sock');
  const rt = runtimeFrom(config(sock, await freePort()), Date.now());
  const api = await startStatsSockets(rt, log);
  t.after(() => api.close());
  assert.equal((await exchange({ path: sock }, 'show cli level\nget weight app/web1\n')).text, 'admin\n\n1 (initial 1)\n\n');
  assert.equal((await exchange({ path: sock }, 'disable server app/web1')).text, '');
  assert.equal(rt.backend('app')!.servers[0]!.state.admin, 0);
  // Clients that never half-close (the Prometheus exporter) still get their reply and a close.
  assert.equal((await exchange({ path: sock }, 'show cli level\n', true)).text, 'admin\n\n');
});

test('stats timeout idles out a prompt session; set timeout cli changes it for that session', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-sock-'));
  const sock = path.join(dir, 'admin.sock');
  const rt = runtimeFrom(config(sock, await freePort(), '    stats timeout 300ms'), Date.now());
  const api = await startStatsSockets(rt, log);
  t.after(() => api.close());
  const idle = await exchange({ path: sock }, 'prompt\n', true);
  assert.equal(idle.text, '\n> ');
  assert.ok(idle.ms >= 250, `closed after ${idle.ms} ms`);
  const longer = await exchange({ path: sock }, 'prompt\nset timeout cli 2\n', true);
  assert.equal(longer.text, '\n> \n> ');
  assert.ok(longer.ms >= 1900, `closed after ${longer.ms} ms`);
});

test('stats maxconn: a connection beyond the limit waits, and is answered once a session ends', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-sock-'));
  const sock = path.join(dir, 'admin.sock');
  const rt = runtimeFrom(config(sock, await freePort(), '    stats maxconn 1'), Date.now());
  const api = await startStatsSockets(rt, log);
  t.after(() => api.close());
  const first = net.connect({ path: sock });
  t.after(() => first.destroy());
  let firstText = '';
  first.on('data', (d: Buffer) => (firstText += d.toString('latin1')));
  const firstReply = (suffix: string): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (firstText.endsWith(suffix)) resolve();
        else first.once('data', check);
      };
      check();
    });
  first.write('prompt\n');
  await firstReply('\n> ');
  const order: string[] = [];
  const second = net.connect({ path: sock });
  t.after(() => second.destroy());
  const secondReply = new Promise<string>((resolve) => {
    let text = '';
    second.on('data', (d: Buffer) => {
      if (text === '') order.push('second answered');
      text += d.toString('latin1');
      if (text.endsWith('\n> ')) resolve(text);
    });
  });
  second.write('prompt\n');
  // Round trips on the first session: the second one, sent before, is still not answered.
  for (let i = 0; i < 3; i++) {
    first.write('show cli level\n');
    await firstReply('admin\n\n> ');
    firstText = '';
  }
  order.push('first quits');
  first.write('quit\n');
  assert.equal(await secondReply, '\n> ');
  assert.deepEqual(order, ['first quits', 'second answered']);
});
