// The stats page in headless Chromium, served by the stats applet on a loopback socket with
// server states changed underneath it (as health checks and the admin form would).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { OpState } from '../../src/core/server-state-types.js';
import { SEED } from '../stats/fixture.js';
import { serveStats } from '../stats/harness.js';
import { seedOnFreePorts } from '../stats/seed.js';
import { ARTIFACTS, launch } from './chromium.js';

const CFG = SEED.replace('stats refresh 5s', 'stats refresh 1s');

async function rowClass(page: Page, sv: string): Promise<string> {
  return page.locator(`tr[data-px="app"][data-sv="${sv}"]`).getAttribute('class') as Promise<string>;
}

async function waitRowClass(page: Page, sv: string, cls: string): Promise<void> {
  await page.waitForSelector(`tr[data-px="app"][data-sv="${sv}"].${cls}`, { timeout: 20_000 });
}

test('stats page in Chromium: live DOWN without reload, admin form, filter, themes, no console errors', async (t) => {
  const h = await serveStats(CFG);
  t.after(() => h.close());
  const browser = await launch({ username: 'admin', password: 'admin888' });
  t.after(() => browser.close());
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  const feeds = new Set<string>();
  page.on('request', (r) => {
    if (/;(csv|json)/.test(r.url())) feeds.add(new URL(r.url()).pathname);
  });
  const base = `http://127.0.0.1:${h.port}/stats`;

  const resp = await page.goto(base);
  assert.equal(resp!.status(), 200);
  assert.equal(await rowClass(page, 'web1'), 'active_up');
  assert.equal(await rowClass(page, 'web2'), 'active_up');
  assert.match(await page.locator('tr[data-sv="web1"] td[data-f="status"]').innerText(), /UP$/);

  // web1's checks fail: the row turns DOWN in place, the document is never reloaded
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  await page.locator('tr[data-sv="web2"] input[name="s"]').check();
  const web1 = h.rt.backend('app')!.serversByName.get('web1')!;
  web1.state.op = OpState.STOPPED;
  Object.assign(web1.state.check, { health: 0, status: 'L4CON', desc: 'Connection refused' });
  await waitRowClass(page, 'web1', 'active_down');
  assert.match(await page.locator('tr[data-sv="web1"] td[data-f="status"]').innerText(), /DOWN$/);
  assert.match(await page.locator('tr[data-sv="web1"] td[data-f="check_status"]').innerText(), /^L4CON/);
  // an unchanged cell keeps its very element (an open tooltip stays open)
  await page.locator('tr[data-sv="web2"] td[data-f="check_status"] u').evaluate((u) => ((u as unknown as { tag: number }).tag = 1));
  await page.waitForTimeout(2500); // longer than the 1 s Refresh header: the page must not reload
  assert.equal(await page.locator('tr[data-sv="web2"] td[data-f="check_status"] u').evaluate((u) => (u as unknown as { tag?: number }).tag), 1);
  assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 42);
  assert.ok(await page.locator('tr[data-sv="web2"] input[name="s"]').isChecked(), 'selection kept across updates');
  assert.deepEqual([...feeds], ['/stats;json;norefresh']);
  assert.equal(await page.locator('div.px[data-px="web"] td[data-f="rate_lim"]').innerText(), '-');
  // a little history: each server and backend row draws its recent session rate
  await page.waitForSelector('tr[data-sv="web1"] span.spark svg polyline', { state: 'attached', timeout: 10_000 });
  assert.match((await page.locator('tr[data-px="app"][data-sv="BACKEND"] span.spark').getAttribute('title'))!, /^sessions\/s over the last \d+ updates/);

  // filter box and problems-only toggle
  await page.fill('#sy-filter', 'web2');
  assert.ok(await page.locator('tr[data-sv="web1"]').isHidden());
  assert.ok(await page.locator('tr[data-sv="web2"]').isVisible());
  await page.fill('#sy-filter', '');
  await page.check('#sy-problems');
  assert.ok(await page.locator('tr[data-sv="web1"]').isVisible());
  assert.ok(await page.locator('tr[data-sv="web2"]').isHidden());
  assert.ok(await page.locator('div.px[data-px="web"]').isHidden());
  await page.uncheck('#sy-problems');

  // admin form: DRAIN, MAINT, READY on web2 as HAProxy's form posts them
  // READY from MAINT puts a checked server UP on probation (UP 1/3) until its next check passes
  for (const [action, cls] of [['drain', 'active_draining'], ['maint', 'maintain'], ['ready', 'active_going_down']] as const) {
    await page.locator('tr[data-sv="web2"] input[name="s"]').check();
    await page.locator('div.px[data-px="app"] select[name="action"]').selectOption(action);
    await Promise.all([page.waitForURL(/;st=DONE/), page.locator('div.px[data-px="app"] input[type="submit"]').click()]);
    await waitRowClass(page, 'web2', cls);
    assert.match(await page.locator('div.banner').innerText(), /successfully/);
  }
  assert.deepEqual(
    h.events.filter((e) => e.startsWith('Operator change')).map((e) => e.replace(/ \(via page, user admin, src 127\.0\.0\.1\)\.$/, '')),
    ['Operator change: server app/web2 drain', 'Operator change: server app/web2 maint', 'Operator change: server app/web2 ready'],
  );

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'stats-page.png'), fullPage: true });

  // dark theme follows the system setting
  await page.emulateMedia({ colorScheme: 'dark' });
  const bg = (sv: string) => page.locator(`tr[data-sv="${sv}"]`).evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.equal(await bg('web1'), 'rgb(118, 0, 0)');
  assert.equal(await bg('web2'), 'rgb(108, 108, 0)');
  await page.emulateMedia({ colorScheme: 'light' });
  assert.equal(await bg('web1'), 'rgb(255, 144, 144)');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: path.join(ARTIFACTS, 'stats-page-dark.png'), fullPage: true });

  // phone width: the page itself does not scroll sideways, tables scroll in their own box
  await page.setViewportSize({ width: 390, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `page overflows by ${overflow}px`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'stats-page-phone.png'), fullPage: true });

  assert.deepEqual(errors, []);
});

test('real health checks under the page: a stopped backend turns DOWN in place, and back UP', async (t) => {
  const seed = await seedOnFreePorts((c) => c.replace(/check inter 2s rise 2 fall 3/g, 'check inter 300ms rise 2 fall 2').replace('stats refresh 5s', 'stats refresh 1s'));
  t.after(() => seed.close());
  const h = await serveStats(seed.cfg, { checks: true });
  t.after(() => h.close());
  const browser = await launch({ username: 'admin', password: 'admin888' });
  t.after(() => browser.close());
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`http://127.0.0.1:${h.port}/stats`);
  await waitRowClass(page, 'web1', 'active_up');
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
  await seed.web1.stop();
  await waitRowClass(page, 'web1', 'active_down');
  assert.match(await page.locator('tr[data-sv="web1"] td[data-f="check_status"]').innerText(), /^L4CON in \d+ms$/);
  await seed.web1.start();
  await waitRowClass(page, 'web1', 'active_up');
  assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 1);
  assert.deepEqual(errors, []);
});
