// The typed model the rest of Switchyard consumes: defaults applied, inheritance, numbering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { parseConfig } from '../../src/config/parser.js';
import type { Config } from '../../src/config/model.js';
import { FIXTURES, FIXTURE_ENV } from './corpus-cases.js';
import { SEED_CONFIG } from '../helpers/shared.js';

const opts = { env: {}, readPatternFile: () => undefined, resolveHost: (h: string) => (h === 'localhost' ? '127.0.0.1' : undefined), hostname: 'testhost', defaultMaxconn: 1000 };

function parse(text: string): Config {
  const r = parseConfig([{ file: 'm.cfg', text }], opts);
  assert.deepEqual(r.diagnostics.list.filter((d) => d.severity === 'alert').map((d) => d.message), []);
  return r.config!;
}
const fixture = (name: string): Config => {
  const r = loadConfig([join(FIXTURES, name)], FIXTURE_ENV);
  assert.ok(r.config, r.diagnostics.map((d) => d.message).join('\n'));
  return r.config;
};
const proxy = (c: Config, name: string, section?: string) => c.proxies.find((p) => p.name === name && (!section || p.section === section))!;

test('seed-stats.cfg: the mission set-up', () => {
  const r = loadConfig([SEED_CONFIG]);
  const c = r.config!;
  assert.ok(c);
  assert.deepEqual(c.global.statsSockets.map((s) => [s.address, s.level, s.mode]), [[{ kind: 'unix', path: '/tmp/switchyard-example.sock' }, 'admin', 0o600]]);
  assert.deepEqual(c.proxies.map((p) => [p.section, p.name, p.id, p.mode]), [['frontend', 'web', 2, 'http'], ['backend', 'app', 3, 'http'], ['listen', 'stats', 4, 'http']]);
  const web = proxy(c, 'web');
  assert.equal(web.defaultBackend, 'app');
  assert.deepEqual(web.binds[0].address, { kind: 'inet', host: '127.0.0.1', port: 8080, family: 4 });
  assert.deepEqual(web.timeouts, { connect: 5000, client: 30000, server: 30000 });
  assert.equal(web.maxconn, c.global.maxconn);
  const app = proxy(c, 'app');
  assert.deepEqual(app.balance, { algorithm: 'roundrobin' });
  assert.deepEqual(app.options.httpchk && [app.options.httpchk.method, app.options.httpchk.uri, app.options.httpchk.version], ['GET', '/', 'HTTP/1.0']);
  assert.deepEqual(app.servers.map((s) => [s.name, s.id, s.check, s.inter, s.rise, s.fall, s.weight, s.address]), [
    ['web1', 1, true, 2000, 2, 3, 1, { kind: 'inet', host: '127.0.0.1', port: 8081, family: 4 }],
    ['web2', 2, true, 2000, 2, 3, 1, { kind: 'inet', host: '127.0.0.1', port: 8082, family: 4 }],
  ]);
  assert.equal(app.fullconn, Math.floor((web.maxconn + 9) / 10));
  const st = proxy(c, 'stats').stats!;
  assert.equal(st.enabled, true);
  assert.equal(st.uri, '/stats');
  assert.equal(st.realm, 'HAProxy Statistics');
  assert.equal(st.refreshSeconds, 5);
  assert.deepEqual(st.auth, [{ user: 'admin', password: 'admin888' }]);
  assert.equal(st.admin.length, 1);
  assert.deepEqual(st.admin[0].anyOf, [[{ negate: false, ref: { kind: 'named', name: 'LOCALHOST' } }]]);
});

test('defaults: later sections inherit from the last defaults; named defaults with from', () => {
  const c = fixture('defaults-named.cfg');
  assert.equal(proxy(c, 'f').mode, 'http');
  assert.deepEqual(proxy(c, 'f').timeouts, { connect: 1000, client: 2000, server: 3000 });
  assert.equal(proxy(c, 'b').retries, 5);
  const t = proxy(c, 't');
  assert.equal(t.mode, 'tcp');
  assert.equal(t.retries, 3);
  assert.deepEqual(t.timeouts, { connect: 4000, client: 4000, server: 4000 });
});

test('stats settings in defaults apply unless the proxy has its own stats lines', () => {
  const c = parse('defaults\n  mode http\n  stats enable\n  stats uri /d\n  stats realm R\nlisten a\n  bind :1\nlisten b\n  bind :2\n  stats uri /own\n');
  assert.equal(proxy(c, 'a').stats?.uri, '/d');
  assert.equal(proxy(c, 'a').stats?.realm, 'R');
  assert.equal(proxy(c, 'b').stats?.uri, '/own');
  assert.equal(proxy(c, 'b').stats?.realm, 'HAProxy Statistics');
});

test('server parameters, default-server, and server ids', () => {
  const c = fixture('server-params.cfg');
  const b = proxy(c, 'b');
  assert.deepEqual(b.balance, { algorithm: 'leastconn' });
  assert.equal(b.retries, 2);
  assert.ok(b.options.redispatch && b.options.allbackups);
  assert.deepEqual(b.cookie, { name: 'SRV', mode: 'insert', indirect: true, nocache: true });
  assert.deepEqual(b.options.httpchk?.expect, { negate: false, kind: 'status', value: '200' });
  assert.equal(b.options.httpchk?.disableOn404, true);
  const s = Object.fromEntries(b.servers.map((x) => [x.name, x]));
  // As haproxy 2.6 numbers them: s7 would be 7 but s1 took it, so s7=8 and s8=9.
  assert.deepEqual([s.s1.id, s.s2.id, s.s3.id, s.s7.id, s.s8.id], [7, 2, 3, 8, 9]);
  assert.deepEqual([s.s1.inter, s.s1.fastinter, s.s1.downinter, s.s1.rise, s.s1.fall, s.s1.weight, s.s1.maxconn, s.s1.maxqueue, s.s1.cookie], [2000, 500, 10000, 3, 4, 50, 100, 10, 's1']);
  assert.deepEqual([s.s2.inter, s.s2.fastinter, s.s2.downinter, s.s2.fall, s.s2.rise], [3000, 3000, 3000, 2, 2]);
  assert.deepEqual([s.s2.checkPort, s.s2.checkAddr, s.s2.slowstart, s.s2.onMarkedDownShutdownSessions, s.s2.onMarkedUpShutdownBackupSessions], [9000, '127.0.0.2', 30000, true, true]);
  assert.deepEqual([s.s3.agentCheck, s.s3.agentPort, s.s3.agentInter, s.s3.agentAddr], [true, 9999, 5000, '127.0.0.3']);
  assert.equal(s.s4.backup, true);
  assert.deepEqual([s.s5.disabled, s.s5.weight], [true, 0]);
  assert.deepEqual(s.s6.track, { backend: 'b', server: 's1' });
  assert.deepEqual(s.s7.address, { kind: 'inet', host: '::1', port: 8087, family: 6 });
  assert.deepEqual(s.s8.address, { kind: 'inet', host: '127.0.0.1', port: 8088, family: 4 });
  assert.equal(s.s8.hostname, 'localhost');
});

test('binds: lists, IPv6, ranges expanded, unix sockets, parameters', () => {
  const f = proxy(fixture('binds.cfg'), 'f');
  assert.deepEqual(
    f.binds.map((b) => (b.address.kind === 'inet' ? `${b.address.host}:${b.address.port}` : b.address.kind === 'unix' ? b.address.path : 'fd')),
    ['127.0.0.1:18000', '127.0.0.1:18001', '::1:18002', '::1:18003', '127.0.0.1:18010', '127.0.0.1:18011', '127.0.0.1:18012', '/tmp/sy-fixture.sock', '/tmp/sy-fixture2.sock', '0.0.0.0:18004', '0.0.0.0:18005'],
  );
  assert.deepEqual(f.binds[9].params, { name: 'web', 'accept-proxy': true });
});

test('several global sections merge; logs, tune and process keywords', () => {
  const g = fixture('multi-global.cfg').global;
  assert.equal(g.maxconn, 500);
  assert.equal(g.statsTimeout, 30000);
  assert.equal(g.statsMaxconn, 20);
  assert.equal(g.nbthread, 2);
  assert.equal(g.pidfile, '/tmp/sy-fixture.pid');
  assert.equal(g.hardStopAfter, 30000);
  assert.deepEqual(g.logs.map((l) => [l.target, l.facility, l.level]), [[{ kind: 'stdout' }, 'local0', 'info'], [{ kind: 'udp', host: '127.0.0.1', port: 514 }, 'daemon', 'notice']]);
  assert.deepEqual(g.tune, { bufsize: 32768, maxrewrite: 1024, httpMaxhdr: 200 });
  assert.equal(proxy(fixture('multi-global.cfg'), 'f').maxconn, 500);
});

test('environment expansion and escapes reach the model', () => {
  const c = fixture('lexer-env.cfg');
  assert.equal(c.global.node, 'fixture-node');
  assert.equal(c.global.description, 'fallback text');
  assert.deepEqual(proxy(c, 'f').binds[0].address, { kind: 'inet', host: '127.0.0.1', port: 18100, family: 4 });
  assert.deepEqual(proxy(c, 'b').servers[0].address, { kind: 'inet', host: '127.0.0.1', port: 8081, family: 4 });
  const e = fixture('lexer-escapes.cfg');
  assert.equal(e.global.description, 'Line with spaces!');
  const st = proxy(e, 'stats');
  assert.equal(st.stats?.realm, 'Quoted Realm');
  assert.deepEqual(st.stats?.auth, [{ user: 'adm#in', password: 'p#ss' }]);
  assert.equal(st.stats?.uri, '/stats');
  assert.equal(st.description, 'has # hash and a b end');
});

test('later issues: stats sockets, master-worker, state file, forwardfor, monitor-uri, dispatch, http-reuse, log global', () => {
  const s = fixture('stats-socket.cfg').global.statsSockets;
  assert.deepEqual(s.map((x) => [x.address, x.level, x.mode, x.exposeFdListeners]), [
    [{ kind: 'unix', path: '/tmp/sy-fixture-admin.sock' }, 'admin', 0o600, true],
    [{ kind: 'inet', host: '127.0.0.1', port: 19999, family: 4 }, 'operator', undefined, false],
    [{ kind: 'inet', host: '127.0.0.1', port: 19998, family: 4 }, 'user', undefined, false],
  ]);
  const c = parse(
    'global\n  master-worker\n  server-state-file /tmp/st\n  log 127.0.0.1:5514 local0\n  fleet etcd http://127.0.0.1:2379,http://[::1]:2379 prefix /sy/\n' +
      'defaults\n  mode http\n  load-server-state-from-file global\n  option log-health-checks\n  log global\n' +
      'frontend f\n  bind "fd@3"\n  monitor-uri /health\n  option forwardfor except 127.0.0.0/8 header X-Real-IP if-none\n  http-request use-service prometheus-exporter if { path /metrics }\n  default_backend b\n' +
      'backend b\n  http-reuse never\n  server s1 127.0.0.1:1\nlisten d\n  bind :2\n  dispatch 127.0.0.1:8082\n',
  );
  assert.equal(c.global.masterWorker, true);
  assert.equal(c.global.serverStateFile, '/tmp/st');
  assert.deepEqual(c.global.fleet, { endpoints: ['http://127.0.0.1:2379', 'http://[::1]:2379'], prefix: '/sy/' });
  const f = proxy(c, 'f');
  assert.deepEqual(f.binds[0].address, { kind: 'fd', fd: 3 });
  assert.equal(f.monitorUri, '/health');
  assert.deepEqual(f.options.forwardfor, { header: 'X-Real-IP', except: '127.0.0.0/8', ifNone: true });
  assert.deepEqual(f.httpRequest[0].rule, { action: 'use-service', service: 'prometheus-exporter' });
  assert.deepEqual(f.logs.map((l) => l.target), [{ kind: 'udp', host: '127.0.0.1', port: 5514 }]);
  const b = proxy(c, 'b');
  assert.equal(b.httpReuse, 'never');
  assert.equal(b.loadServerStateFromFile, 'global');
  assert.equal(b.options.logHealthChecks, true);
  assert.deepEqual(proxy(c, 'd').dispatch, { kind: 'inet', host: '127.0.0.1', port: 8082, family: 4 });
});

test('http rules and acls into the model', () => {
  const f = proxy(fixture('acl-conditions.cfg'), 'f');
  assert.deepEqual(Object.keys(f.acls), ['api', 'static', 'host_ex', 'net', 'auth_ok', 'is_ops', 'get']);
  assert.deepEqual(f.acls.host_ex[0].criterion, { fetch: 'hdr', arg: 'host', flags: ['-i'], patterns: ['example.com'] });
  assert.deepEqual(
    f.httpRequest.map((r) => r.rule),
    [
      { action: 'auth', realm: 'Admins' },
      { action: 'deny', status: 403 },
      { action: 'set-header', name: 'X-Src', value: '%[src]' },
      { action: 'add-header', name: 'X-Via', value: 'switchyard' },
      { action: 'del-header', name: 'X-Debug' },
      { action: 'redirect', type: 'location', target: '/new', code: 301 },
      { action: 'allow' },
    ],
  );
  assert.equal(f.httpResponse.length, 2);
  assert.equal(f.useBackends[0].cond.anyOf.length, 3);
  assert.equal(f.useBackends[1].cond.unless, true);
});

test('fullconn defaults to a tenth of the maxconn of the frontends using the backend', () => {
  const c = parse('global\n  maxconn 2000\nfrontend f\n  bind :1\n  default_backend b\nfrontend g\n  bind :2\n  maxconn 500\n  use_backend b if TRUE\nbackend b\n  server s 127.0.0.1:1\nbackend lonely\n  server s 127.0.0.1:1\n');
  assert.equal(proxy(c, 'f').maxconn, 2000);
  assert.equal(proxy(c, 'b').fullconn, 250);
  assert.equal(proxy(c, 'lonely').fullconn, 1);
});

test('proxy and server ids follow HAProxy 2.6 (values read from its stats CSV on the same configs)', () => {
  const ids = (c: Config) => c.proxies.map((p) => [p.name, p.id, p.servers.map((x) => [x.name, x.id])]);
  const base = 'defaults\n  mode http\nfrontend web\n  bind :1\n  default_backend app\n';
  assert.deepEqual(ids(parse(`${base}backend app\n  server a 127.0.0.1:1\nbackend forced\n  id 10\n  server x 127.0.0.1:1 id 5\n  server y 127.0.0.1:1\nlisten stats\n  bind :2\n`)), [
    ['web', 1, []],
    ['app', 2, [['a', 1]]],
    ['forced', 10, [['x', 5], ['y', 2]]],
    ['stats', 4, []],
  ]);
  // A global `stats socket` creates an internal proxy that takes the next id where it appears.
  const late = `${base}backend app\n  server a 127.0.0.1:1 id 2\n  server b 127.0.0.1:1\n  server c 127.0.0.1:1\nglobal\n  stats socket /tmp/sy-ids.sock\nbackend forced\n  id 3\n  server x 127.0.0.1:1\nlisten stats\n  bind :2\n`;
  assert.deepEqual(ids(parse(late)), [
    ['web', 1, []],
    ['app', 2, [['a', 2], ['b', 3], ['c', 4]]],
    ['forced', 3, [['x', 1]]],
    ['stats', 5, []],
  ]);
});

test('zero-warning refuses the configuration for running too', () => {
  const r = loadConfig([join(FIXTURES, 'zerowarn.cfg')], FIXTURE_ENV);
  assert.equal(r.config, undefined);
  assert.equal(r.diagnostics.at(-1)?.message, "Some warnings were found and 'zero-warning' is set. Aborting.");
});

test('http-check: send headers replace those hidden in option httpchk; own rules replace the defaults ones', () => {
  const c = parse(
    'defaults\n  mode http\n  option httpchk GET /status HTTP/1.1\\r\\nHdr:\\ must-be-removed\n  http-check send hdr Host "h1" hdr X-test true body "test"\n' +
      'backend inherits\n  server s 127.0.0.1:1 check\n' +
      'backend own_send\n  http-check send hdr Host "h2" body "other"\n  server s 127.0.0.1:1 check\n' +
      'backend own_option\n  option httpchk\n  server s 127.0.0.1:1 check\n',
  );
  const chk = (name: string) => {
    const h = proxy(c, name).options.httpchk!;
    return [h.method, h.uri, h.version, h.headers, h.body];
  };
  assert.deepEqual(chk('inherits'), ['GET', '/status', 'HTTP/1.1', [['Host', 'h1'], ['X-test', 'true']], 'test']);
  assert.deepEqual(chk('own_send'), ['OPTIONS', '/', 'HTTP/1.0', [['Host', 'h2']], 'other']);
  assert.deepEqual(chk('own_option'), ['OPTIONS', '/', 'HTTP/1.0', [], undefined]);
});
