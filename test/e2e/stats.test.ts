import path from 'node:path';
// The stats page of the real binary over real sockets, on the mission's seed config.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { startSwitchyard } from '../helpers/switchyard.js';
import { ADMIN, csvStatus, seedOnFreePorts, statsCsv, until } from '../stats/seed.js';
import { SAMPLES } from '../helpers/shared.js';

const run = promisify(execFile);
const SAMPLE_HEADER = readFileSync(path.join(SAMPLES, 'stats-initial.csv'), 'utf8').split('\n')[0]!;

async function curl(args: string[]): Promise<string> {
  return (await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code} %header{location}', ...args])).stdout;
}

test('seed config: 401 with the exact realm, 200 with credentials, CSV header byte for byte', async (t) => {
  const seed = await seedOnFreePorts();
  t.after(() => seed.close());
  const sy = await startSwitchyard(seed.cfg, [seed.statsPort, seed.webPort]);
  t.after(() => sy.stop());
  const url = `http://127.0.0.1:${seed.statsPort}/stats`;

  const anon = await fetch(url);
  assert.equal(anon.status, 401);
  assert.equal(anon.headers.get('www-authenticate'), 'Basic realm="HAProxy Statistics"');
  assert.equal(await anon.text(), '<html><body><h1>401 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n');
  const wrong = await fetch(url, { headers: { authorization: 'Basic ' + Buffer.from('admin:nope').toString('base64') } });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get('www-authenticate'), 'Basic realm="HAProxy Statistics"');

  const ok = await fetch(url, { headers: { authorization: ADMIN } });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('content-type'), 'text/html');
  assert.equal(ok.headers.get('refresh'), '5');
  assert.match(await ok.text(), /Statistics Report for pid \d+/);

  const csv = await statsCsv(seed.statsPort);
  assert.equal(csv.split('\n')[0], SAMPLE_HEADER);
  assert.deepEqual(
    csv.trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 2).join('/')),
    ['web/FRONTEND', 'app/web1', 'app/web2', 'app/BACKEND', 'stats/FRONTEND', 'stats/BACKEND'],
  );
});

test('curl POST drain → DRAIN in CSV and traffic only to web2; maint; ready', async (t) => {
  const seed = await seedOnFreePorts();
  t.after(() => seed.close());
  const sy = await startSwitchyard(seed.cfg, [seed.statsPort, seed.webPort]);
  t.after(() => sy.stop());
  const stats = `http://127.0.0.1:${seed.statsPort}/stats`;
  await until('both servers UP', async () => {
    const csv = await statsCsv(seed.statsPort);
    return csvStatus(csv, 'app', 'web1') === 'UP' && csvStatus(csv, 'app', 'web2') === 'UP';
  });

  assert.equal(await curl(['-u', 'admin:admin888', '-d', 's=web1&action=drain&b=app', stats]), '303 /stats;st=DONE');
  assert.equal(csvStatus(await statsCsv(seed.statsPort), 'app', 'web1'), 'DRAIN');
  const seen = new Set<string>();
  for (let i = 0; i < 10; i++) seen.add(await (await fetch(`http://127.0.0.1:${seed.webPort}/x${i}`)).text());
  assert.deepEqual([...seen], ['web2']);

  assert.equal(await curl(['-u', 'admin:admin888', '-d', 's=web1&action=maint&b=app', stats]), '303 /stats;st=DONE');
  assert.equal(csvStatus(await statsCsv(seed.statsPort), 'app', 'web1'), 'MAINT');
  assert.equal(await curl(['-u', 'admin:admin888', '-d', 's=web1&action=ready&b=app', stats]), '303 /stats;st=DONE');
  // from MAINT with checks on: UP on probation (UP 1/3), then UP after the next passing check
  assert.match(csvStatus(await statsCsv(seed.statsPort), 'app', 'web1')!, /^UP/);
  await until('web1 UP', async () => csvStatus(await statsCsv(seed.statsPort), 'app', 'web1') === 'UP');
  const after = new Set<string>();
  for (let i = 0; i < 10; i++) after.add(await (await fetch(`http://127.0.0.1:${seed.webPort}/y${i}`)).text());
  assert.deepEqual([...after].sort(), ['web1', 'web2']);
  assert.match(sy.output(), /web1/);
});

test('stats admin if { src 10.0.0.0/8 }: a POST from 127.0.0.1 changes nothing', async (t) => {
  const seed = await seedOnFreePorts((c) => c.replace('stats admin if LOCALHOST', 'stats admin if { src 10.0.0.0/8 }'));
  t.after(() => seed.close());
  const sy = await startSwitchyard(seed.cfg, [seed.statsPort, seed.webPort]);
  t.after(() => sy.stop());
  const stats = `http://127.0.0.1:${seed.statsPort}/stats`;
  const before = csvStatus(await statsCsv(seed.statsPort), 'app', 'web1');
  assert.equal(await curl(['-u', 'admin:admin888', '-d', 's=web1&action=maint&b=app', stats]), '303 /stats;st=DENY');
  assert.equal(csvStatus(await statsCsv(seed.statsPort), 'app', 'web1'), before);
  assert.doesNotMatch(await (await fetch(stats, { headers: { authorization: ADMIN } })).text(), /name="action"/);
});
