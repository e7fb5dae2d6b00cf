// The admin surface in Debian Chromium against the real binary: a page from another origin
// cannot change server state through the operator's browser (form POST and fetch with
// credentials), the page's own form still can; markup in names, descriptions, check and agent
// texts and the URL never runs as script and shows as text.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { Page } from 'playwright-core';
import { freePorts } from '../helpers/ports.js';
import { startSwitchyard, type Running } from '../helpers/switchyard.js';
import { basic, csvState, request, until } from '../hardening/admin-helpers.js';
import { launch } from './chromium.js';

const PASSWORD = 'S3cr3t-browser-4Kp';
// the user name is shown on the page ("signed in as")
const USER = '<svg/onload=window.__xss=5>';
const AUTH = basic(USER, PASSWORD);
const CHECK_REASON = `<img src=x onerror="window.__xss='check'"> "q'`;
const AGENT_TEXT = `up <script>window.__xss='agent'</script> "q'`;
const DESCRIPTION = `<img src=x onerror=window.__xss=1> <b>bold</b> &amp;`;
const SCOPE = `"><script>window.__xss='scope'</script><img src=x onerror=window.__xss=2>`;

interface Setup {
  sy: Running;
  statsPort: number;
}

function listen(server: net.Server, port: number, t: TestContext): Promise<void> {
  // the browser and the checks may keep connections open: drop them, or close() would wait
  const open = new Set<net.Socket>();
  server.on('connection', (c: net.Socket) => {
    open.add(c);
    c.on('close', () => open.delete(c));
  });
  t.after(() => {
    for (const c of open) c.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return new Promise((r) => server.listen(port, '127.0.0.1', r));
}

async function setup(t: TestContext): Promise<Setup> {
  const [statsPort, web1Port, web2Port, agentPort] = await freePorts(4);
  const web1 = http.createServer((_req, res) => res.end('ok'));
  web1.keepAliveTimeout = 500;
  await listen(web1, web1Port!, t);
  // web2's health check answers 503 with markup in the reason phrase
  await listen(
    net.createServer((s) => {
      s.on('error', () => {});
      s.end(`HTTP/1.1 503 ${CHECK_REASON}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
    }),
    web2Port!,
    t,
  );
  await listen(
    net.createServer((s) => {
      s.on('error', () => {});
      s.end(`${AGENT_TEXT}\n`);
    }),
    agentPort!,
    t,
  );
  const cfg = `global
  log stdout format raw local0
defaults
  mode http
  timeout connect 2s
  timeout client 10s
  timeout server 10s
listen stats
  bind 127.0.0.1:${statsPort}
  stats enable
  stats uri /stats
  stats refresh 1s
  stats auth ${USER}:${PASSWORD}
  stats admin if TRUE
backend app
  description ${DESCRIPTION}
  option httpchk GET /health
  server web1 127.0.0.1:${web1Port} check inter 300ms rise 1 fall 1 agent-check agent-port ${agentPort} agent-inter 300ms
  server web2 127.0.0.1:${web2Port} check inter 300ms rise 1 fall 1
`;
  const sy = await startSwitchyard(cfg, [statsPort!]);
  t.after(() => sy.stop());
  await until('web1 UP and web2 DOWN', async () => {
    const rows = await csvState(statsPort!, AUTH);
    return rows.some((r) => r.startsWith('app,web1,UP,')) && rows.some((r) => r.startsWith('app,web2,DOWN,'));
  });
  return { sy, statsPort: statsPort! };
}

/** Every way a script could have run on the page: a flag, a dialog, an injected element. */
async function injected(page: Page): Promise<{ flag: unknown; imgs: number; scripts: number; markup: number }> {
  return page.evaluate(() => ({
    flag: (window as unknown as { __xss?: unknown }).__xss,
    imgs: document.querySelectorAll('img').length,
    // the page's own two: its config (JSON) and its script
    scripts: document.querySelectorAll('script').length,
    // elements inside the texts that carry outside markup: descriptions and check tooltips
    markup: document.querySelectorAll('th.desc *, td[data-f="check_status"] div.tips *').length,
  }));
}

test('CSRF: another origin auto-posting the admin form and fetch() with credentials changes nothing; the page form does', async (t) => {
  const evilPage = (statsPort: number) => `<!DOCTYPE html><html><body>
<form id="f" method="POST" action="http://127.0.0.1:${statsPort}/stats">
<input name="s" value="web1"><input name="s" value="web2"><input name="action" value="maint"><input name="b" value="app"></form>
<script>
fetch('http://127.0.0.1:${statsPort}/stats', { method: 'POST', mode: 'no-cors', credentials: 'include',
  headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 's=web1&s=web2&action=drain&b=app' })
  .catch(() => {}).finally(() => { document.title = 'fetched'; document.getElementById('f').submit(); });
</script></body></html>`;
  const s = await setup(t);
  // another origin: same host, another port (Chromium calls it same-site, not same-origin)
  const evilServer = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(evilPage(s.statsPort)));
  const [evilPort] = await freePorts(1);
  await listen(evilServer, evilPort!, t);

  const browser = await launch({ username: USER, password: PASSWORD });
  t.after(() => browser.close());
  const page = await browser.context.newPage();
  // the operator is signed in: the browser holds the stats page's credentials
  assert.equal((await page.goto(`http://127.0.0.1:${s.statsPort}/stats`))!.status(), 200);
  const before = await csvState(s.statsPort, AUTH);

  const evil = await browser.context.newPage();
  await Promise.all([evil.waitForURL((u) => u.port === String(s.statsPort), { timeout: 20_000 }), evil.goto(`http://127.0.0.1:${evilPort}/`)]);
  assert.deepEqual(await csvState(s.statsPort, AUTH), before, 'server state changed by a cross-origin page');
  assert.equal((await evil.locator('body').innerText()).trim(), 'Cross-site admin request refused.');
  // both attempts reached the server authenticated and were turned away there
  await until('both cross-site POSTs refused', () => (s.sy.output().match(/^\[WARNING\].*stats admin request from 127\.0\.0\.1 refused: cross-site origin/gm) ?? []).length >= 2);
  assert.doesNotMatch(s.sy.output(), /Operator change/);

  // the real form on the page still works
  await page.reload();
  await page.locator('tr[data-sv="web1"] input[name="s"]').check();
  await page.locator('div.px[data-px="app"] select[name="action"]').selectOption('maint');
  await Promise.all([page.waitForURL(/;st=DONE/), page.locator('div.px[data-px="app"] input[type="submit"]').click()]);
  assert.ok((await csvState(s.statsPort, AUTH)).some((r) => r.startsWith('app,web1,MAINT,')));
  await until('the change logged', () => /Operator change: server app\/web1 maint/.test(s.sy.output()));
});

test('XSS: markup from the config, health and agent checks, the URL and Host never runs and shows as text', async (t) => {
  const s = await setup(t);
  const browser = await launch({ username: USER, password: PASSWORD });
  t.after(() => browser.close());
  const page = await browser.context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/.test(m.text())) cspViolations.push(m.text());
  });

  // the check and agent texts reached the process (so the page has them to show)
  const csv = (await request(s.statsPort, '/stats;csv', { auth: AUTH })).body;
  assert.ok(csv.includes(`via agent : ${AGENT_TEXT}`), 'agent text in CSV');
  assert.ok(csv.includes(CHECK_REASON), 'check reason in CSV');

  await page.goto(`http://127.0.0.1:${s.statsPort}/stats`);
  // live updates re-render the rows from ;json in the browser: let a few go by
  await page.waitForSelector('tr[data-sv="web1"] span.spark svg polyline', { state: 'attached', timeout: 20_000 });
  await page.waitForTimeout(1500);
  assert.deepEqual(await injected(page), { flag: undefined, imgs: 0, scripts: 2, markup: 0 });
  assert.equal(await page.locator('div.px[data-px="app"] th.desc').innerText(), DESCRIPTION);
  assert.equal(await page.locator('span.who').innerText(), `signed in as ${USER}`);
  assert.equal(await page.locator('svg[onload]').count(), 0);
  const tips = await page.locator('tr[data-sv="web2"] td[data-f="check_status"] div.tips').textContent();
  assert.ok(tips!.includes(CHECK_REASON), `check tooltip shows the reason as text: ${tips}`);

  // reflected: scope= and an unknown ;st= code
  await page.goto(`http://127.0.0.1:${s.statsPort}/stats;st=${encodeURIComponent('<img src=x onerror=window.__xss=3>')}?scope=${encodeURIComponent(SCOPE)}`);
  await page.waitForTimeout(1500);
  assert.deepEqual(await injected(page), { flag: undefined, imgs: 0, scripts: 2, markup: 0 });
  // a scope with characters outside a proxy name's is dropped, as HAProxy does
  assert.equal(await page.locator('input[name="scope"]').inputValue(), '');
  assert.ok(!(await page.content()).includes('__xss=2'));
  assert.deepEqual(dialogs, []);
  assert.deepEqual(cspViolations, [], 'no markup was even parsed as script or image (the CSP had nothing to block)');

  // Host is not reflected anywhere
  const host = '<script>window.__xss="host"</script>';
  const viaHost = await request(s.statsPort, '/stats', { auth: AUTH, headers: { host } });
  assert.equal(viaHost.status, 200);
  assert.ok(!viaHost.body.includes(host) && !viaHost.body.includes('window.__xss="host"'));
});
