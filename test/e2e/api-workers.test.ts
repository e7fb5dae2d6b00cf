// With `nbthread 2` Switchyard serves from two workers; the stats socket and /metrics render
// the merged process snapshot, so every connection (whichever worker takes it) reports the
// same session totals, and a change made through the socket holds on every connection.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startSwitchyard } from '../helpers/switchyard.js';
import { seedOnFreePorts, until } from '../stats/seed.js';
import { csvField, socat } from './api-helpers.js';

/** One request on its own connection, so the kernel may hand it to either worker. */
function get(port: number, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

test('nbthread 2: socket and /metrics report the same process totals on every connection; a socket drain holds everywhere', async (t) => {
  const seed = await seedOnFreePorts((cfg) =>
    cfg
      .replace('global\n', 'global\n    nbthread 2\n')
      .replace('    default_backend app', '    http-request use-service prometheus-exporter if { path /metrics }\n    default_backend app'),
  );
  t.after(() => seed.close());
  const sock = /stats socket (\S+)/.exec(seed.cfg)![1]!;
  const sy = await startSwitchyard(seed.cfg, [seed.webPort]);
  t.after(() => sy.stop());
  await until('both servers UP', async () => {
    const csv = await socat(sock, 'show stat\n');
    return csvField(csv, 'app', 'web1', 'status') === 'UP' && csvField(csv, 'app', 'web2', 'status') === 'UP';
  });
  assert.match(await socat(sock, 'show info\n'), /^Nbthread: 2$/m);

  // Concurrent connections, so that both workers accept some.
  const N = 48;
  for (let i = 0; i < N; i += 8) await Promise.all(Array.from({ length: 8 }, () => get(seed.webPort)));
  const stot = async (): Promise<number> => {
    const csv = await socat(sock, 'show stat\n');
    return Number(csvField(csv, 'app', 'web1', 'stot')) + Number(csvField(csv, 'app', 'web2', 'stot'));
  };
  // Every socket connection, whichever worker takes it, sees all N sessions.
  for (let i = 0; i < 6; i++) assert.equal(await stot(), N);
  for (let i = 0; i < 4; i++) {
    const metrics = await get(seed.webPort, '/metrics');
    const sum = [...metrics.matchAll(/^haproxy_server_sessions_total\{proxy="app",server="web\d"\} (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
    assert.equal(sum, N);
  }

  assert.equal(await socat(sock, 'set server app/web1 state drain\n'), '\n');
  await until('every worker drains web1', async () => {
    for (let i = 0; i < 6; i++) if (csvField(await socat(sock, 'show stat\n'), 'app', 'web1', 'status') !== 'DRAIN') return false;
    return true;
  });
  const bodies = new Set<string>();
  for (let i = 0; i < 12; i++) bodies.add(await get(seed.webPort));
  assert.deepEqual([...bodies], ['web2']);
});
