import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createStatsRouter } from '../../src/stats/router.js';
import type { AppletRequest, AppletResponse } from '../../src/proxy/applet.js';
import type { Runtime } from '../../src/core/runtime.js';
import type { Logger } from '../../src/log/logger.js';
import { SEED, runtimeFrom } from './fixture.js';
import { csvStatus } from './seed.js';
import { shaCrypt } from '../../src/acl/password.js';
import { SAMPLES } from '../helpers/shared.js';

const BASIC = 'Basic ' + Buffer.from('admin:admin888').toString('base64');

function setup(cfg = SEED) {
  const rt: Runtime = runtimeFrom(cfg, Date.now());
  const events: string[] = [];
  const log: Logger = { event: (_l, m) => events.push(m), access: () => {} };
  const router = createStatsRouter(rt, log);
  const stats = rt.proxies.find((p) => p.name === 'stats')!;
  async function send(method: string, target: string, opts: { headers?: Record<string, string>; body?: string; src?: string } = {}): Promise<AppletResponse | undefined> {
    const applet = router.route(stats, method, target);
    if (!applet) return undefined;
    const headers: Record<string, string> = { host: '127.0.0.1:8404', ...opts.headers };
    const req: AppletRequest = {
      method,
      target,
      httpVersion: '1.1',
      header: (n) => headers[n],
      body: Buffer.from(opts.body ?? ''),
      src: opts.src ?? '127.0.0.1',
      srcPort: 40000,
      secure: false,
    };
    return applet(req);
  }
  const auth = { authorization: BASIC };
  const operatorChanges = () => events.filter((e) => e.startsWith('Operator change'));
  const status = async (sv: string) => csvStatus(String((await send('GET', '/stats;csv', { headers: auth }))!.body), 'app', sv);
  return { rt, events, operatorChanges, status, send, auth };
}

const header = (r: AppletResponse | undefined, name: string) => r?.headers.find(([k]) => k === name)?.[1];

test('401 without or with wrong credentials: exact HAProxy response', async () => {
  const { send } = setup();
  for (const headers of [{} as Record<string, string>, { authorization: 'Basic ' + Buffer.from('admin:wrong').toString('base64') }, { authorization: 'Bearer x' }]) {
    const r = (await send('GET', '/stats', { headers }))!;
    assert.equal(r.status, 401);
    assert.deepEqual(r.headers, [
      ['content-length', '112'],
      ['cache-control', 'no-cache'],
      ['content-type', 'text/html'],
      ['www-authenticate', 'Basic realm="HAProxy Statistics"'],
    ]);
    assert.equal(r.body, '<html><body><h1>401 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n');
  }
});

test('which requests are stats requests: prefix match, GET/HEAD/POST only', async () => {
  const { send, auth } = setup();
  assert.equal((await send('GET', '/stats', { headers: auth }))?.status, 200);
  assert.equal((await send('GET', '/statsXYZ', { headers: auth }))?.status, 200);
  assert.equal((await send('HEAD', '/stats/anything', { headers: auth }))?.body, '');
  assert.equal(await send('GET', '/other', { headers: auth }), undefined);
  assert.equal(await send('PUT', '/stats', { headers: auth }), undefined);
  assert.equal(await send('DELETE', '/stats', { headers: auth }), undefined);
});

test('formats and headers: csv, typed, json, schema, refresh', async () => {
  const { send, auth } = setup();
  const html = (await send('GET', '/stats', { headers: auth }))!;
  assert.equal(header(html, 'content-type'), 'text/html');
  assert.equal(header(html, 'cache-control'), 'no-cache');
  assert.equal(header(html, 'refresh'), '5');
  const csv = (await send('GET', '/stats;csv', { headers: auth }))!;
  assert.equal(header(csv, 'content-type'), 'text/plain');
  assert.equal(header(csv, 'refresh'), '5');
  const head = readFileSync(path.join(SAMPLES, 'stats-initial.csv'), 'utf8').split('\n')[0];
  assert.equal(String(csv.body).split('\n')[0], head);
  const nr = (await send('GET', '/stats;csv;norefresh', { headers: auth }))!;
  assert.equal(header(nr, 'refresh'), undefined);
  assert.equal(header((await send('GET', '/stats;json', { headers: auth }))!, 'content-type'), 'application/json');
  assert.ok(Array.isArray(JSON.parse(String((await send('GET', '/stats;csv;json', { headers: auth }))!.body))));
  const schema = JSON.parse(String((await send('GET', '/stats;json;json-schema', { headers: auth }))!.body)) as { $schema: string };
  assert.equal(schema.$schema, 'http://json-schema.org/draft-04/schema#');
  assert.match(String((await send('GET', '/stats;typed', { headers: auth }))!.body), /^F\.\d+\.0\.0\.pxname\.1:KNS:str:web$/m);
  const scoped = String((await send('GET', '/stats;csv?scope=app', { headers: auth }))!.body);
  assert.deepEqual(scoped.trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 2).join('/')), ['app/web1', 'app/web2', 'app/BACKEND']);
});

test('admin POST: drain through control with who did it, 303 ;st=DONE', async () => {
  const { send, auth, operatorChanges, status } = setup();
  const r = (await send('POST', '/stats', { headers: auth, body: 's=web1&action=drain&b=app' }))!;
  assert.equal(r.status, 303);
  assert.deepEqual(r.headers, [
    ['cache-control', 'no-cache'],
    ['content-type', 'text/plain'],
    ['content-length', '0'],
    ['location', '/stats;st=DONE'],
  ]);
  assert.deepEqual(operatorChanges(), ['Operator change: server app/web1 drain (via page, user admin, src 127.0.0.1).']);
  assert.equal(await status('web1'), 'DRAIN');
  // draining again changes nothing, yet HAProxy reports the action as done
  assert.equal(header(await send('POST', '/stats', { headers: auth, body: 's=web1&action=drain&b=app' }), 'location'), '/stats;st=DONE');
  assert.equal(await status('web2'), 'UP');
});

test('admin POST result codes as HAProxy 2.6', async () => {
  const { send, auth, rt } = setup();
  const code = async (body: string, target = '/stats') => header(await send('POST', target, { headers: auth, body }), 'location');
  const appId = rt.backend('app')!.id;
  assert.equal(await code(`s=web1&s=web2&action=maint&b=%23${appId}`), '/stats;st=DONE');
  assert.equal(await code('s=zzz&action=drain&b=app'), '/stats;st=ERRP');
  assert.equal(await code('s=web1&s=zzz&action=drain&b=app'), '/stats;st=PART');
  assert.equal(await code('s=web1&action=drain&b=web'), '/stats;st=ERRP');
  assert.equal(await code('s=web1&action=drain&b=%2399'), '/stats;st=ERRP');
  assert.equal(await code('s=web1&action=bogus&b=app'), '/stats;st=ERRP');
  assert.equal(await code('s=web1&action=&b=app'), '/stats;st=ERRP');
  assert.equal(await code('s=web1&b=app'), '/stats;st=NONE');
  assert.equal(await code('s=web1&action=drain'), '/stats;st=NONE');
  assert.equal(await code(''), '/stats;st=NONE');
  assert.equal(await code('s=web1&action=arunn&b=app'), '/stats;st=NONE');
  assert.equal(await code('b=zzz&action=ready&s=web1&b=app'), '/stats;st=DONE');
  assert.equal(await code('s=web1&action=ready&b=app', '/stats;up;norefresh'), '/stats;st=DONE;up;norefresh');
  assert.equal(await code('s=web1&action=ready&b=app', '/stats;up?scope=app'), '/stats;st=DONE;up?scope=app');
  assert.equal(await code('s=' + 'x'.repeat(20000) + '&action=ready&b=app'), '/stats;st=EXCD');
});

test('stats admin if { src 10.0.0.0/8 }: POST from 127.0.0.1 is DENY and changes nothing; page has no form', async () => {
  const { send, auth, operatorChanges, status } = setup(SEED.replace('stats admin if TRUE', 'stats admin if { src 10.0.0.0/8 }'));
  const r = await send('POST', '/stats', { headers: auth, body: 's=web1&action=drain&b=app' });
  assert.equal(header(r, 'location'), '/stats;st=DENY');
  assert.deepEqual(operatorChanges(), []);
  assert.equal(await status('web1'), 'UP');
  const page = String((await send('GET', '/stats', { headers: auth }))!.body);
  assert.doesNotMatch(page, /name="action"/);
  assert.doesNotMatch(page, /type="checkbox" name="s"/);
  const fromTen = await send('POST', '/stats', { headers: auth, body: 's=web1&action=drain&b=app', src: '10.1.2.3' });
  assert.equal(header(fromTen, 'location'), '/stats;st=DONE');
});

test('cross-site admin POSTs are refused; curl-style and same-origin ones pass', async () => {
  const { send, auth, operatorChanges, status } = setup();
  const body = 's=web1&action=drain&b=app';
  assert.equal((await send('POST', '/stats', { headers: { ...auth, origin: 'http://evil.example' }, body }))!.status, 403);
  assert.equal((await send('POST', '/stats', { headers: { ...auth, origin: 'null' }, body }))!.status, 403);
  assert.equal((await send('POST', '/stats', { headers: { ...auth, referer: 'http://evil.example/x' }, body }))!.status, 403);
  assert.equal((await send('POST', '/stats', { headers: { ...auth, 'sec-fetch-site': 'cross-site' }, body }))!.status, 403);
  assert.deepEqual(operatorChanges(), []);
  assert.equal(await status('web1'), 'UP');
  assert.equal((await send('POST', '/stats', { headers: { ...auth, origin: 'http://127.0.0.1:8404', 'sec-fetch-site': 'same-origin' }, body }))!.status, 303);
  assert.equal(await status('web1'), 'DRAIN');
  assert.equal((await send('POST', '/stats', { headers: auth, body: 's=web1&action=maint&b=app' }))!.status, 303);
  assert.equal(await status('web1'), 'MAINT');
  assert.equal(operatorChanges().length, 2);
});

test('HTML page: admin form as HAProxy posts it, escaping, security headers, banner', async () => {
  // server names refuse markup (as HAProxy's do); a description takes any text
  const cfg = SEED.replace(/server web2 127\.0\.0\.1:8082.*/, '$&\n  description <script>alert(1)</script>');
  const { send, auth, rt } = setup(cfg);
  const r = (await send('GET', '/stats;st=DONE', { headers: auth }))!;
  const page = String(r.body);
  assert.equal(rt.backend('app')!.config.description, '<script>alert(1)</script>');
  assert.ok(!page.includes('<script>alert(1)</script>'));
  assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.match(page, /<input class="app-checkbox" type="checkbox" name="s" value="web1">/);
  assert.match(page, new RegExp(`<input type="hidden" name="b" value="#${rt.backend('app')!.id}">`));
  for (const a of ['ready', 'drain', 'maint', 'dhlth', 'ehlth', 'hrunn', 'hnolb', 'hdown', 'dagent', 'eagent', 'arunn', 'adown', 'shutdown']) {
    assert.match(page, new RegExp(`<option value="${a}">`));
  }
  assert.match(page, /Action processed successfully/);
  assert.match(page, /<title>Statistics Report for HAProxy<\/title>/);
  const csp = header(r, 'content-security-policy')!;
  const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
  assert.ok(page.includes(`<script nonce="${nonce}">`));
  assert.equal(header(r, 'x-content-type-options'), 'nosniff');
  assert.equal(header(r, 'x-frame-options'), 'DENY');
  assert.doesNotMatch(page, /<script src=|<link rel="stylesheet"|https?:\/\/[^"]*\.(js|css)/);
});

test('userlist users through stats http-request auth: insecure-password and SHA-crypt hashes', async () => {
  const hash = shaCrypt('s3cret', '$6$saltsalt$')!;
  const cfg = SEED.replace('    stats auth admin:admin888\n', `    stats http-request auth realm Ops unless { http_auth(ops) }\n`) +
    `\nuserlist ops\n    user alice insecure-password wonder\n    user bob password ${hash}\n`;
  const { send } = setup(cfg);
  const basic = (u: string, p: string) => ({ authorization: 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64') });
  const denied = (await send('GET', '/stats'))!;
  assert.equal(denied.status, 401);
  assert.equal(header(denied, 'www-authenticate'), 'Basic realm="Ops"');
  assert.equal((await send('GET', '/stats', { headers: basic('alice', 'wonder') }))!.status, 200);
  assert.equal((await send('GET', '/stats', { headers: basic('bob', 's3cret') }))!.status, 200);
  assert.equal((await send('GET', '/stats', { headers: basic('bob', 'wrong') }))!.status, 401);
  assert.equal((await send('GET', '/stats', { headers: basic('alice', 'wonder!') }))!.status, 401);
});

test('several stats auth lines each grant access; no auth lines leave the page open', async () => {
  const { send } = setup(SEED.replace('    stats auth admin:admin888\n', '    stats auth admin:admin888\n    stats auth ops:opspass\n'));
  const basic = (u: string, p: string) => ({ authorization: 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64') });
  assert.equal((await send('GET', '/stats', { headers: basic('ops', 'opspass') }))!.status, 200);
  assert.equal((await send('GET', '/stats', { headers: basic('admin', 'admin888') }))!.status, 200);
  assert.equal((await send('GET', '/stats', { headers: basic('ops', 'admin888') }))!.status, 401);
  const open = setup(SEED.replace('    stats auth admin:admin888\n', ''));
  assert.equal((await open.send('GET', '/stats;csv'))!.status, 200);
});

test('start-up warnings: admin without auth, admin if TRUE on a non-loopback bind', () => {
  const warnings = (cfg: string) => {
    const events: string[] = [];
    createStatsRouter(runtimeFrom(cfg, Date.now()), { event: (_l, m) => events.push(m), access: () => {} });
    return events;
  };
  assert.deepEqual(warnings(SEED), []);
  const open = warnings(SEED.replace('    stats auth admin:admin888\n', '').replace('bind 127.0.0.1:8404', 'bind *:8404'));
  assert.equal(open.length, 2);
  assert.match(open[0]!, /stats admin is enabled without 'stats auth'/);
  assert.match(open[1]!, /'stats admin if TRUE' on a listener reachable from other hosts/);
  assert.deepEqual(warnings(SEED.replace('bind 127.0.0.1:8404', 'bind *:8404').replace('stats admin if TRUE', 'stats admin if LOCALHOST')), []);
});

test('response headers in HAProxy order: cache-control, content-type, refresh', async () => {
  const { send, auth } = setup();
  for (const [target, type] of [['/stats', 'text/html'], ['/stats;csv', 'text/plain'], ['/stats;json', 'application/json']] as const) {
    const r = (await send('GET', target, { headers: auth }))!;
    assert.deepEqual(r.headers.slice(0, 3), [['cache-control', 'no-cache'], ['content-type', type], ['refresh', '5']]);
  }
});
