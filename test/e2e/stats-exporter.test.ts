// prometheus-haproxy-exporter scraping the real binary's `;csv`, as in the mission's command.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../helpers/ports.js';
import { startSwitchyard } from '../helpers/switchyard.js';
import { seedOnFreePorts, until } from '../stats/seed.js';

test('prometheus-haproxy-exporter against Switchyard: haproxy_up 1, per-server metrics, DOWN seen', async (t) => {
  const seed = await seedOnFreePorts((c) => c.replace(/check inter 2s rise 2 fall 3/g, 'check inter 500ms rise 2 fall 2'));
  t.after(() => seed.close());
  const sy = await startSwitchyard(seed.cfg, [seed.statsPort, seed.webPort]);
  let exporter: ChildProcess | undefined;
  // the exporter goes first: its keep-alive connection would hold a graceful stop open
  t.after(async () => {
    exporter?.kill();
    await sy.stop();
  });
  const port = await freePort();
  exporter = spawn(
    'prometheus-haproxy-exporter',
    [`--web.listen-address=127.0.0.1:${port}`, `--haproxy.scrape-uri=http://admin:admin888@127.0.0.1:${seed.statsPort}/stats;csv`],
    { stdio: 'ignore' },
  );
  const scrape = async (re: RegExp) =>
    until(`metrics matching ${re}`, async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return re.test(text) && text;
    });
  const metrics = await scrape(/^haproxy_server_up\{backend="app",server="web2"\} 1$/m);
  assert.match(metrics, /^haproxy_up 1$/m);
  assert.match(metrics, /^haproxy_exporter_csv_parse_failures_total 0$/m);
  assert.match(metrics, /^haproxy_server_up\{backend="app",server="web1"\} 1$/m);
  assert.match(metrics, /^haproxy_backend_up\{backend="app"\} 1$/m);
  await fetch(`http://127.0.0.1:${seed.webPort}/`);
  await scrape(/^haproxy_frontend_http_requests_total\{frontend="web"\} [1-9]/m);
  await seed.web1.stop();
  await scrape(/^haproxy_server_up\{backend="app",server="web1"\} 0$/m);
});
