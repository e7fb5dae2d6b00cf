// The stats page at scale and the consistency of its live updates, in headless Chromium.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpState } from '../../src/core/server-state-types.js';
import { MIXED, SEED } from '../stats/fixture.js';
import { serveStats } from '../stats/harness.js';
import { launch } from './chromium.js';

test('2000 servers: the page renders, follows ;csv and updates the last row in place', async (t) => {
  let cfg = SEED.replace('stats refresh 5s', 'stats refresh 1s');
  for (let b = 0; b < 200; b++) {
    cfg += `backend b${b}\n`;
    for (let s = 0; s < 10; s++) cfg += `    server s${s} 127.0.0.1:${20000 + s} check\n`;
  }
  const h = await serveStats(cfg);
  t.after(() => h.close());
  const browser = await launch({ username: 'admin', password: 'admin888' });
  t.after(() => browser.close());
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const feeds = new Set<string>();
  page.on('request', (r) => {
    if (r.url().includes(';csv') || r.url().includes(';json')) feeds.add(new URL(r.url()).pathname);
  });
  await page.goto(`http://127.0.0.1:${h.port}/stats`, { timeout: 60_000 });
  assert.equal(await page.locator('tr[data-px^="b"]').count(), 200 * 11);
  const last = h.rt.backend('b199')!.serversByName.get('s9')!;
  last.state.op = OpState.STOPPED;
  last.state.check.health = 0;
  await page.waitForSelector('tr[data-px="b199"][data-sv="s9"].active_down', { timeout: 30_000 });
  assert.deepEqual([...feeds], ['/stats;csv;norefresh']);
  assert.deepEqual(errors, []);
});

test('live updates write the same cell text the server renders', async (t) => {
  const h = await serveStats(MIXED.replace('stats admin if FALSE', 'stats admin if FALSE\n    stats refresh 1s'));
  t.after(() => h.close());
  const browser = await launch({ username: 'admin', password: 'admin888' });
  t.after(() => browser.close());
  const page = await browser.context.newPage();
  // cells whose text is an age move with the clock; everything else must match exactly
  const cells = () =>
    page.evaluate(() => {
      const out: Record<string, string> = {};
      document.querySelectorAll('tr[data-px] td[data-k]').forEach((td) => {
        const tr = td.closest('tr')!;
        const kind = td.getAttribute('data-k')!;
        if (['age', 'sst', 'bst'].includes(kind)) return;
        out[`${tr.getAttribute('data-px')}/${tr.getAttribute('data-sv')}/${td.getAttribute('data-f')}`] = (td as HTMLElement).innerText;
      });
      return out;
    });
  await page.goto(`http://127.0.0.1:${h.port}/s`);
  await page.waitForFunction(() => (document.getElementById('sy-updated')?.textContent ?? '').startsWith('updated'), undefined, { timeout: 10_000 });
  const live = await cells();
  await page.goto(`http://127.0.0.1:${h.port}/s;norefresh`);
  const fresh = await cells();
  assert.ok(Object.keys(fresh).length > 100);
  assert.deepEqual(live, fresh);
});
