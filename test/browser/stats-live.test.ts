// The real binary's stats page in headless Chromium: log in, both servers UP, stop a backend
// and watch its row turn DOWN through real health checks without a reload, then DRAIN, MAINT
// and READY through the form.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startSwitchyard } from '../helpers/switchyard.js';
import { seedOnFreePorts } from '../stats/seed.js';
import { ARTIFACTS, launch } from './chromium.js';

test('real binary in Chromium: live DOWN by health checks, form actions, no console errors', async (t) => {
  const seed = await seedOnFreePorts((c) => c.replace('check inter 2s rise 2 fall 3', 'check inter 500ms rise 2 fall 2'));
  t.after(() => seed.close());
  const sy = await startSwitchyard(seed.cfg, [seed.statsPort, seed.webPort]);
  let browser: Awaited<ReturnType<typeof launch>> | undefined;
  // the browser goes first: its keep-alive connections would hold a graceful stop open
  t.after(async () => {
    await browser?.close();
    await sy.stop();
  });
  browser = await launch({ username: 'admin', password: 'admin888' });
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  const row = (sv: string) => `div.px[data-px="app"] tr[data-sv="${sv}"]`;

  const resp = await page.goto(`http://127.0.0.1:${seed.statsPort}/stats`);
  assert.equal(resp!.status(), 200);
  await page.waitForSelector(`${row('web1')}.active_up`, { timeout: 20_000 });
  await page.waitForSelector(`${row('web2')}.active_up`, { timeout: 20_000 });

  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 7));
  await seed.web1.stop();
  await page.waitForSelector(`${row('web1')}.active_down`, { timeout: 30_000 });
  assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 7, 'page was reloaded');
  assert.match(await page.locator(`${row('web1')} td[data-f="check_status"]`).innerText(), /^L(4CON|7)/);

  for (const [action, cls, status] of [['drain', 'active_draining', /DRAIN$/], ['maint', 'maintain', /MAINT$/], ['ready', 'active_up', /UP/]] as const) {
    await page.locator(`${row('web2')} input[name="s"]`).check();
    await page.locator('div.px[data-px="app"] select[name="action"]').selectOption(action);
    await Promise.all([page.waitForURL(/;st=DONE/), page.locator('div.px[data-px="app"] input[type="submit"]').click()]);
    await page.waitForSelector(`${row('web2')}.${cls}`, { timeout: 20_000 });
    assert.match(await page.locator(`${row('web2')} td[data-f="status"]`).innerText(), status);
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'stats-live.png'), fullPage: true });
  assert.deepEqual(errors, []);
});
