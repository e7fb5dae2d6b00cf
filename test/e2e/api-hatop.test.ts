// Debian's hatop against Switchyard's stats socket, in a private tmux server: the screen lists
// app/web1 and app/web2, the cursor is moved onto web1, F10 (disable server on this backend)
// puts it in MAINT, and `show stat` over socat confirms it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startSwitchyard } from '../helpers/switchyard.js';
import { seedOnFreePorts, until } from '../stats/seed.js';
import { csvField, socat } from './api-helpers.js';

const run = promisify(execFile);

test('hatop under tmux: lists app/web1 and app/web2, F10 puts web1 in MAINT, show stat confirms', async (t) => {
  const seed = await seedOnFreePorts();
  t.after(() => seed.close());
  const sock = /stats socket (\S+)/.exec(seed.cfg)![1]!;
  const sy = await startSwitchyard(seed.cfg, [seed.webPort]);
  t.after(() => sy.stop());
  await until('both servers UP', async () => {
    const csv = await socat(sock, 'show stat\n');
    return csvField(csv, 'app', 'web1', 'status') === 'UP' && csvField(csv, 'app', 'web2', 'status') === 'UP';
  });

  const tmuxName = `switchyard-hatop-${process.pid}`;
  const env = { ...process.env, TERM: 'xterm' };
  const tmux = (...args: string[]) => run('tmux', ['-L', tmuxName, ...args], { env, timeout: 10_000 });
  await tmux('new-session', '-d', '-x', '160', '-y', '40', `hatop -s ${sock} -i 1`);
  t.after(async () => {
    await tmux('kill-server').catch(() => undefined);
  });
  const screen = async (): Promise<string> => (await tmux('capture-pane', '-p')).stdout;

  const first = await until('hatop lists app/web1 and app/web2', async () => {
    const s = await screen();
    return />>> app\n/.test(s) && /^web1 +1 UP /m.test(s) && /^web2 +1 UP /m.test(s) && s;
  });
  assert.match(first, /HAProxy Version: 2\.6\./);

  // Move the cursor down one line at a time until the status bar names app/web1 (#3/#1).
  let onWeb1 = false;
  for (let i = 0; i < 20 && !onWeb1; i++) {
    const before = (await screen()).trimEnd().split('\n').pop();
    await tmux('send-keys', 'Down');
    const after = await until('the cursor moved', async () => {
      const last = (await screen()).trimEnd().split('\n').pop();
      return last !== before && last;
    }, 5000).catch(async () => (await screen()).trimEnd().split('\n').pop()!);
    onWeb1 = after.includes('[#3/#1]');
  }
  assert.ok(onWeb1, await screen());

  await tmux('send-keys', 'F10');
  await until('show stat reports web1 in MAINT', async () => csvField(await socat(sock, 'show stat\n'), 'app', 'web1', 'status') === 'MAINT');
  const csv = await socat(sock, 'show stat\n');
  assert.equal(csvField(csv, 'app', 'web2', 'status'), 'UP');
  await until('hatop shows web1 in MAINT', async () => /^web1 +1 MAINT /m.test(await screen()));
  await tmux('send-keys', 'q');
});
