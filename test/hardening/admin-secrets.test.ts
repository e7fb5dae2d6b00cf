// Passwords from `stats auth` and userlists never leave the process: not in `-c` output or
// config alerts that show the offending line, not in 401 pages or any stats response, not in
// the access log (`log stdout`) or the process's own messages, not on the runtime API — in
// clear or as the Basic credentials that carry them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePorts } from '../helpers/ports.js';
import { BIN, startSwitchyard, writeConfig } from '../helpers/switchyard.js';
import { basic, request, socketCommand, until, type Reply } from './admin-helpers.js';

const STATS_SECRET = 'S3cr3t-stats-Hq7Lx2';
const USER_SECRET = 'S3cr3t-userlist-Vb9Tn4';

/** The secrets as they could leak: in clear, and inside a Basic `user:password` header value. */
const FORMS = [
  STATS_SECRET,
  USER_SECRET,
  Buffer.from(`admin:${STATS_SECRET}`).toString('base64'),
  Buffer.from(`alice:${USER_SECRET}`).toString('base64'),
];

function assertNoSecret(where: string, text: string): void {
  for (const f of FORMS) assert.ok(!text.includes(f), `${where} contains ${f === STATS_SECRET || f === USER_SECRET ? 'a password' : 'Basic credentials'}`);
}

const replyText = (r: Reply) => `${r.status}\n${JSON.stringify(r.headers)}\n${r.body}`;

function config(p: { web: number; stats: number; stats2: number; backend: number; sock: string }): string {
  return `global
  log stdout format raw local0
  stats socket ${p.sock} level admin
userlist ops
  group admins
  user alice insecure-password ${USER_SECRET} groups admins
defaults
  mode http
  log global
  option httplog
  timeout connect 2s
  timeout client 10s
  timeout server 10s
frontend web
  bind 127.0.0.1:${p.web}
  default_backend app
listen stats
  bind 127.0.0.1:${p.stats}
  stats enable
  stats uri /stats
  stats realm Ops\\ only
  stats auth admin:${STATS_SECRET}
  stats admin if TRUE
listen stats2
  bind 127.0.0.1:${p.stats2}
  stats enable
  stats uri /
  stats http-request auth realm Ops unless { http_auth(ops) }
  stats admin if { http_auth_group(ops) admins }
backend app
  server web1 127.0.0.1:${p.backend} check inter 500ms
`;
}

test('-c and config alerts that show a line never show its password', () => {
  const ports = { web: 1, stats: 2, stats2: 3, backend: 4, sock: path.join(tmpdir(), 'switchyard-secrets-c.sock') };
  const good = writeConfig(config(ports));
  const ok = spawnSync(process.execPath, [BIN, '-c', '-f', good.cfgPath], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assertNoSecret('-c output', ok.stdout + ok.stderr);

  // lines the lexer cannot split are shown with a caret under the culprit
  const broken = config(ports)
    .replace(`insecure-password ${USER_SECRET}`, `insecure-password "${USER_SECRET}`)
    .replace(`stats auth admin:${STATS_SECRET}`, `stats auth admin:${STATS_SECRET}"`);
  const bad = writeConfig(broken);
  const r = spawnSync(process.execPath, [BIN, '-c', '-f', bad.cfgPath], { encoding: 'utf8', timeout: 30_000 });
  const out = r.stdout + r.stderr;
  assert.equal(r.status, 1);
  assert.match(out, new RegExp(`parsing \\[${bad.cfgPath}:6\\]: unmatched quote at position 32:\\n  user alice insecure-password [* ]+\\n {31}\\^`));
  assert.match(out, new RegExp(`parsing \\[${bad.cfgPath}:22\\]: unmatched quote at position ${`stats auth admin:${STATS_SECRET}`.length + 3}:\\n  stats auth \\*+\\n`));
  assertNoSecret('config alerts', out);
});

test('logins good and bad, admin actions, 401 pages, access log, process log and runtime API carry no password', async (t) => {
  const [web, stats, stats2, backendPort] = await freePorts(4);
  const backend = http.createServer((_req, res) => res.end('ok'));
  backend.keepAliveTimeout = 500;
  await new Promise<void>((r) => backend.listen(backendPort, '127.0.0.1', r));
  t.after(() => {
    backend.closeAllConnections();
    return new Promise<void>((r) => backend.close(() => r()));
  });
  const sock = path.join(tmpdir(), `switchyard-secrets-${process.pid}-${stats}.sock`);
  const sy = await startSwitchyard(config({ web: web!, stats: stats!, stats2: stats2!, backend: backendPort!, sock }), [web!, stats!, stats2!]);
  t.after(() => sy.stop());
  const admin = basic('admin', STATS_SECRET);
  const alice = basic('alice', USER_SECRET);
  const seen: [string, string][] = [];
  const see = async (what: string, r: Promise<Reply>) => {
    const reply = await r;
    seen.push([what, replyText(reply)]);
    return reply;
  };

  assert.equal((await see('401 without credentials', request(stats!, '/stats'))).status, 401);
  assert.equal((await see('401 wrong password', request(stats!, '/stats', { auth: basic('admin', 'wrong') }))).status, 401);
  // the right password under another user name, and the password as the user name
  assert.equal((await see('401 other user', request(stats!, '/stats', { auth: basic('root', STATS_SECRET) }))).status, 401);
  assert.equal((await see('401 password as user', request(stats!, '/stats', { auth: basic(STATS_SECRET, 'x') }))).status, 401);
  assert.equal((await see('page', request(stats!, '/stats', { auth: admin }))).status, 200);
  for (const view of [';csv', ';json', ';typed', ';json-schema']) assert.equal((await see(view, request(stats!, `/stats${view}`, { auth: admin }))).status, 200);
  const post = await see('admin POST', request(stats!, '/stats', { auth: admin, method: 'POST', body: 's=web1&action=drain&b=app' }));
  assert.match(String(post.headers.location), /st=DONE/);
  assert.equal((await see('after POST', request(stats!, '/stats;st=DONE', { auth: admin }))).status, 200);
  assert.equal((await see('POST wrong password', request(stats!, '/stats', { auth: basic('admin', 'nope'), method: 'POST', body: 's=web1&action=maint&b=app' }))).status, 401);

  assert.equal((await see('userlist 401', request(stats2!, '/', { auth: basic('alice', 'wrong') }))).status, 401);
  assert.equal((await see('userlist page', request(stats2!, '/', { auth: alice }))).status, 200);
  const post2 = await see('userlist admin POST', request(stats2!, '/', { auth: alice, method: 'POST', body: 's=web1&action=ready&b=app' }));
  assert.match(String(post2.headers.location), /st=DONE/);
  // a guessing source: the back-off answers and its log line
  for (let i = 0; i < 7; i++) await see('guess', request(stats!, '/stats', { auth: basic('admin', `guess${i}`), localAddress: '127.0.0.3' }));
  assert.ok(seen.some(([w, r]) => w === 'guess' && r.startsWith('429')));

  // traffic, so the access log has lines of both kinds
  for (let i = 0; i < 3; i++) await see('traffic', request(web!, `/?i=${i}`, { auth: admin }));

  for (const cmd of ['show info', 'show stat', 'show servers state', 'show sess', 'show stat json', 'help']) seen.push([cmd, await socketCommand(sock, cmd)]);

  await until('the access log', () => /stats~? stats\/<STATS>/.test(sy.output()) || /GET \/stats/.test(sy.output()));
  await until('the operator changes logged', () => /Operator change: server app\/web1 drain/.test(sy.output()) && /ready/.test(sy.output()));
  await until('the back-off logged', () => /failed logins from 127\.0\.0\.3/.test(sy.output()));
  await sy.stop();
  assert.match(sy.output(), /user admin/, 'the admin action names the user, not the password');
  assertNoSecret('process output (logs)', sy.output());
  for (const [what, text] of seen) assertNoSecret(what, text);
});
