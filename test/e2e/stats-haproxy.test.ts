// Debian HAProxy 2.6 and the Switchyard binary run the same seed config side by side (own
// ports each, same backends): their CSVs have the same rows and columns, leave the same cells
// empty, and agree on every value that does not depend on timing or traffic.

import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/ports.js';
import { startSwitchyard } from '../helpers/switchyard.js';
import { seedOnFreePorts, statsCsv, until } from '../stats/seed.js';
import { assertSameCsvShape } from '../helpers/csv-compare.js';

const SAME_VALUE = ['pxname', 'svname', 'status', 'weight', 'act', 'bck', 'pid', 'iid', 'sid', 'type', 'slim', 'check_status', 'check_code', 'check_desc', 'check_rise', 'check_fall', 'check_health', 'mode', 'uweight', 'qlimit', 'rate_lim', 'chkfail', 'chkdown'];

const bothUp = (csv: string) => /^app,web1,(?:[^,]*,){15}UP,/m.test(csv) && /^app,web2,(?:[^,]*,){15}UP,/m.test(csv) && /^app,web1,(?:[^,]*,){34}L7OK,/m.test(csv);

test('Debian haproxy and Switchyard on the seed config: same CSV rows, columns, empty cells, state values', async (t) => {
  const seed = await seedOnFreePorts();
  t.after(() => seed.close());
  const [hapWeb, hapStats] = [await freePort(), await freePort()];
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-hap-'));
  const hapCfg = seed.cfg
    .replace(`127.0.0.1:${seed.webPort}`, `127.0.0.1:${hapWeb}`)
    .replace(`127.0.0.1:${seed.statsPort}`, `127.0.0.1:${hapStats}`)
    .replace(/stats socket \S+/, `stats socket ${dir}/hap.sock`);
  writeFileSync(path.join(dir, 'haproxy.cfg'), hapCfg);
  const hap = spawn('/usr/sbin/haproxy', ['-db', '-f', path.join(dir, 'haproxy.cfg')], { stdio: 'ignore' });
  t.after(() => {
    hap.kill('SIGKILL');
  });
  const sy = await startSwitchyard(seed.cfg, [seed.statsPort, seed.webPort]);
  t.after(() => sy.stop());

  const theirs = await until('haproxy servers UP', async () => {
    const csv = await statsCsv(hapStats);
    return bothUp(csv) && csv;
  });
  const ours = await until('switchyard servers UP', async () => {
    const csv = await statsCsv(seed.statsPort);
    return bothUp(csv) && csv;
  });
  assertSameCsvShape(ours, theirs, SAME_VALUE);
});
