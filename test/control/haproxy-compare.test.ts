// The same runtime-API commands sent to Debian's HAProxy 2.6 and applied through control/:
// after each command the op state, admin flags, weight and health counter must agree
// (HAProxy's `show servers state`), and so must the state-change log lines.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { createControl, type Actor, type ServerAction } from '../../src/control/commands.js';
import { freePorts } from '../helpers/ports.js';
import { writeConfig } from '../helpers/switchyard.js';
import { recordingLog, runtimeFrom } from '../core/fixture.js';

const HAPROXY = '/usr/sbin/haproxy';

function cli(sock: string, cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const c = net.connect({ path: sock }, () => c.write(`${cmd}\n`));
    c.setEncoding('utf8');
    c.on('data', (d: string) => (out += d));
    c.on('end', () => resolve(out));
    c.on('error', reject);
  });
}

async function until(cond: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

// [server, runtime-API command tail, control call]
type Step = [string, string, ServerAction | { weight: string }];
const STEPS: Step[] = [
  ['web1', 'state drain', 'drain'], ['web1', 'state ready', 'ready'], ['web1', 'state maint', 'maint'],
  ['web1', 'state ready', 'ready'], ['web1', 'health down', 'hdown'], ['web1', 'health stopping', 'hnolb'],
  ['web1', 'health up', 'hrunn'], ['web1', 'weight 50', { weight: '50' }], ['web1', 'weight 50%', { weight: '50%' }],
  ['web1', 'state drain', 'drain'], ['web1', 'health down', 'hdown'], ['web1', 'state ready', 'ready'],
  ['web1', 'state maint', 'maint'], ['web1', 'health up', 'hrunn'], ['web1', 'state drain', 'drain'],
  ['web1', 'state maint', 'maint'], ['web1', 'state ready', 'ready'],
  ['web1', 'weight 1', { weight: '1' }], ['web1', 'state drain', 'drain'], ['web1', 'health down', 'hdown'],
  ['web1', 'state ready', 'ready'], ['web1', 'state drain', 'drain'], ['web1', 'state maint', 'maint'],
  ['web1', 'state drain', 'drain'], ['web1', 'state ready', 'ready'], ['web1', 'state drain', 'drain'],
  ['web1', 'health stopping', 'hnolb'], ['web1', 'health up', 'hrunn'], ['web1', 'state ready', 'ready'],
  ['web2', 'state drain', 'drain'], ['web2', 'state maint', 'maint'], ['web2', 'state ready', 'ready'],
  ['web2', 'state ready', 'ready'], ['web2', 'state drain', 'drain'], ['web2', 'state ready', 'ready'],
];

test('operator commands leave the same server state and log lines as Debian HAProxy 2.6', async (t) => {
  const [p1, p2] = await freePorts(2);
  const listener = net.createServer((s) => {
    s.on('error', () => {});
    s.end();
  });
  await new Promise<void>((r) => listener.listen(p2, '127.0.0.1', () => r()));
  t.after(() => new Promise<void>((r) => listener.close(() => r())));
  const body = `defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
backend app
  server web1 127.0.0.1:${p1}
  server web2 127.0.0.1:${p2} check inter 200 rise 1 fall 1
  server web3 127.0.0.1:${p2} track app/web2
`;
  const { dir } = writeConfig('');
  const sock = path.join(dir, 'admin.sock');
  const { cfgPath } = writeConfig(`global\n  stats socket ${sock} level admin\n${body}`);
  const proc = spawn(HAPROXY, ['-db', '-f', cfgPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const exited = new Promise((r) => proc.on('exit', r));
  t.after(async () => {
    proc.kill('SIGKILL');
    await exited;
  });
  await until(() => cli(sock, 'show servers state app').then((s) => / web2 /.test(s), () => false), 'haproxy socket');

  const rt = runtimeFrom(body);
  const log = recordingLog();
  const control = createControl(rt, log);
  const actor: Actor = { via: 'socket' };
  const app = rt.backend('app')!;

  for (const [name, tail, call] of STEPS) {
    const reply = await cli(sock, `set server app/${name} ${tail}`);
    assert.equal(reply.trim(), '', `${name} ${tail}`);
    const server = app.serversByName.get(name)!;
    const r = typeof call === 'string' ? control.serverAction(server, call, actor) : control.setWeight(server, call.weight, actor);
    assert.equal(r.ok, true);
    const rows = (await cli(sock, 'show servers state app')).split('\n').map((l) => l.split(' '));
    for (const other of app.servers) {
      const theirs = rows.find((f) => f[3] === other.name)!;
      const st = other.state;
      assert.deepEqual(
        { op: st.op, admin: st.admin, weight: st.weight, health: st.check.health },
        { op: Number(theirs[5]), admin: Number(theirs[6]), weight: Number(theirs[7]), health: Number(theirs[12]) },
        `${other.name} after ${name} ${tail}`,
      );
    }
  }
  await new Promise((r) => setTimeout(r, 100));
  const theirLines = out.split('\n').map((l) => /Server app\/.*|backend .*/.exec(l)?.[0]).filter((l): l is string => !!l);
  const ours = log.messages().filter((m) => !m.startsWith('Operator change'));
  assert.deepEqual(ours, theirLines);
});
