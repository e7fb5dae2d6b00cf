// prometheus-haproxy-exporter (Debian) reads our `;csv` by column position.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { freePort } from '../helpers/ports.js';
import { OpState } from '../../src/core/server-state-types.js';
import { SEED } from './fixture.js';
import { serveStats } from './harness.js';

async function scrape(port: number, want: RegExp): Promise<string> {
  const deadline = Date.now() + 20_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      last = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      if (want.test(last)) return last;
    } catch {
      // exporter not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`metrics never matched ${want}:\n${last.split('\n').filter((l) => l.startsWith('haproxy_')).join('\n')}`);
}

test('prometheus-haproxy-exporter scrapes ;csv: haproxy_up 1 and per-server metrics', async (t) => {
  const h = await serveStats(SEED);
  t.after(() => h.close());
  const port = await freePort();
  const exporter = spawn(
    'prometheus-haproxy-exporter',
    [`--web.listen-address=127.0.0.1:${port}`, `--haproxy.scrape-uri=http://admin:admin888@127.0.0.1:${h.port}/stats;csv`],
    { stdio: 'ignore' },
  );
  t.after(() => {
    exporter.kill();
  });
  const metrics = await scrape(port, /^haproxy_up 1$/m);
  assert.match(metrics, /^haproxy_exporter_csv_parse_failures_total 0$/m);
  assert.match(metrics, /^haproxy_server_up\{backend="app",server="web1"\} 1$/m);
  assert.match(metrics, /^haproxy_server_up\{backend="app",server="web2"\} 1$/m);
  assert.match(metrics, /^haproxy_backend_up\{backend="app"\} 1$/m);
  assert.match(metrics, /^haproxy_frontend_current_sessions\{frontend="web"\} 0$/m);

  const web1 = h.rt.backend('app')!.serversByName.get('web1')!;
  web1.state.op = OpState.STOPPED;
  web1.state.check.health = 0;
  await scrape(port, /^haproxy_server_up\{backend="app",server="web1"\} 0$/m);
});

test('a wrong password gives haproxy_up 0', async (t) => {
  const h = await serveStats(SEED);
  t.after(() => h.close());
  const port = await freePort();
  const exporter = spawn(
    'prometheus-haproxy-exporter',
    [`--web.listen-address=127.0.0.1:${port}`, `--haproxy.scrape-uri=http://admin:nope@127.0.0.1:${h.port}/stats;csv`],
    { stdio: 'ignore' },
  );
  t.after(() => {
    exporter.kill();
  });
  await scrape(port, /^haproxy_up 0$/m);
});
