import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/parser.js';
import { compileCondition } from '../../src/acl/compile.js';
import { networkMatcher, parseNetwork } from '../../src/acl/cidr.js';
import { shaCrypt, checkPassword } from '../../src/acl/password.js';
import type { RequestFacts } from '../../src/acl/types.js';

const opts = { env: {}, readPatternFile: (p: string) => (p === '/nets.lst' ? '# office\n10.1.0.0/16\n\n192.168.7.7\n' : undefined), resolveHost: () => undefined, hostname: 'h', defaultMaxconn: 100 };

/** Parse `lines` inside a frontend and return a predicate for each `use_backend` rule, in order. */
function rules(lines: string): ((f: RequestFacts) => boolean)[] {
  const text = `userlist ul\n  group admins\n  user alice insecure-password wonder groups admins\n  user bob password ${shaCrypt('builder', '$6$saltsalt$')}\n  group ops users bob\nfrontend f\n  mode http\n  bind :80\n${lines}\nbackend b\n  mode http\n`;
  const r = parseConfig([{ file: 't.cfg', text }], opts);
  assert.deepEqual(r.diagnostics.list.filter((d) => d.severity === 'alert'), []);
  const fe = r.config!.proxies[0];
  return fe.useBackends.map((u) => compileCondition(u.cond, fe.acls, r.config!.userlists));
}

const one = (line: string) => rules(`  use_backend b ${line}`)[0];
const hdrs = (h: Record<string, string>) => (name: string) => h[name];

test('predefined TRUE, FALSE, LOCALHOST and unless', () => {
  assert.equal(one('if TRUE')({ src: '1.2.3.4' }), true);
  assert.equal(one('if FALSE')({ src: '1.2.3.4' }), false);
  assert.equal(one('unless FALSE')({ src: '1.2.3.4' }), true);
  const lh = one('if LOCALHOST');
  assert.equal(lh({ src: '127.0.0.1' }), true);
  assert.equal(lh({ src: '127.9.8.7' }), true);
  assert.equal(lh({ src: '::1' }), true);
  assert.equal(lh({ src: '::ffff:127.0.0.1' }), true);
  assert.equal(lh({ src: '10.0.0.1' }), false);
  assert.equal(lh({ src: '::2' }), false);
});

test('HTTP version and METH_* predefined acls', () => {
  assert.equal(one('if METH_GET')({ src: '1.1.1.1', method: 'HEAD' }), true);
  assert.equal(one('if METH_GET')({ src: '1.1.1.1', method: 'POST' }), false);
  assert.equal(one('if METH_POST')({ src: '1.1.1.1', method: 'POST' }), true);
  assert.equal(one('if HTTP_1.1')({ src: '1.1.1.1', httpVersion: '1.1' }), true);
  assert.equal(one('if HTTP_1.0')({ src: '1.1.1.1', httpVersion: '1.1' }), false);
  assert.equal(one('if HTTP')({ src: '1.1.1.1', httpVersion: '1.0' }), true);
  assert.equal(one('if HTTP')({ src: '1.1.1.1' }), false);
  assert.equal(one('if HTTP_URL_ABS')({ src: '1.1.1.1', url: 'http://x/y' }), true);
  assert.equal(one('if HTTP_URL_SLASH')({ src: '1.1.1.1', url: '/y' }), true);
});

test('src with IPv4/IPv6 CIDR, several patterns and -f file', () => {
  const p = one('if { src 10.0.0.0/8 192.168.1.5 2001:db8::/32 }');
  assert.equal(p({ src: '10.200.3.4' }), true);
  assert.equal(p({ src: '11.0.0.1' }), false);
  assert.equal(p({ src: '192.168.1.5' }), true);
  assert.equal(p({ src: '192.168.1.6' }), false);
  assert.equal(p({ src: '2001:db8:1::7' }), true);
  assert.equal(p({ src: '2001:db9::7' }), false);
  const f = one('if { src -f /nets.lst }');
  assert.equal(f({ src: '10.1.99.1' }), true);
  assert.equal(f({ src: '192.168.7.7' }), true);
  assert.equal(f({ src: '10.2.0.1' }), false);
});

test('named acls: same name on several lines is OR, implicit AND, ||, or, !', () => {
  const preds = rules(
    [
      '  acl net src 10.0.0.0/8',
      '  acl net src 172.16.0.0/12',
      '  acl api path_beg /api',
      '  use_backend b if net api',
      '  use_backend b if net || LOCALHOST',
      '  use_backend b if api or !net',
      '  use_backend b if !{ src 1.2.3.4 }',
      '  use_backend b if ! api',
    ].join('\n'),
  );
  const [and, or, or2, notInline, notSpaced] = preds;
  assert.equal(and({ src: '172.16.5.5', path: '/api/x' }), true);
  assert.equal(and({ src: '172.16.5.5', path: '/web' }), false);
  assert.equal(and({ src: '8.8.8.8', path: '/api' }), false);
  assert.equal(or({ src: '127.0.0.1' }), true);
  assert.equal(or({ src: '10.1.1.1' }), true);
  assert.equal(or({ src: '8.8.8.8' }), false);
  assert.equal(or2({ src: '8.8.8.8', path: '/' }), true);
  assert.equal(or2({ src: '10.0.0.1', path: '/' }), false);
  assert.equal(notInline({ src: '1.2.3.4' }), false);
  assert.equal(notInline({ src: '1.2.3.5' }), true);
  assert.equal(notSpaced({ src: '1.2.3.5', path: '/api' }), false);
});

test('path, path_beg, path_end, path_reg and -i', () => {
  assert.equal(one('if { path /a/b }')({ src: '1.1.1.1', path: '/a/b' }), true);
  assert.equal(one('if { path /a/b }')({ src: '1.1.1.1', path: '/a/b/' }), false);
  assert.equal(one('if { path_beg /static /img }')({ src: '1.1.1.1', path: '/img/x.png' }), true);
  assert.equal(one('if { path_end .png }')({ src: '1.1.1.1', path: '/img/x.PNG' }), false);
  assert.equal(one('if { path_end -i .png }')({ src: '1.1.1.1', path: '/img/x.PNG' }), true);
  assert.equal(one('if { path_reg ^/v[0-9]+/ }')({ src: '1.1.1.1', path: '/v12/x' }), true);
  assert.equal(one('if { path_reg ^/v[0-9]+/ }')({ src: '1.1.1.1', path: '/vx/x' }), false);
  assert.equal(one('if { path_beg /x }')({ src: '1.1.1.1' }), false);
});

test('hdr, hdr_beg, hdr_end, hdr_sub, method', () => {
  const h = hdrs({ host: 'www.Example.com', 'x-list': 'a, b, c' });
  assert.equal(one('if { hdr(host) -i www.example.com }')({ src: '1.1.1.1', header: h }), true);
  assert.equal(one('if { hdr(host) www.example.com }')({ src: '1.1.1.1', header: h }), false);
  assert.equal(one('if { hdr(Host) -i www.example.com }')({ src: '1.1.1.1', header: h }), true);
  assert.equal(one('if { hdr_beg(host) www. }')({ src: '1.1.1.1', header: h }), true);
  assert.equal(one('if { hdr_end(host) .com }')({ src: '1.1.1.1', header: h }), true);
  assert.equal(one('if { hdr_sub(host) Exam }')({ src: '1.1.1.1', header: h }), true);
  assert.equal(one('if { hdr(x-list) b }')({ src: '1.1.1.1', header: h }), true);
  assert.equal(one('if { hdr(x-missing) b }')({ src: '1.1.1.1', header: h }), false);
  assert.equal(one('if { method GET PUT }')({ src: '1.1.1.1', method: 'PUT' }), true);
  assert.equal(one('if { method GET PUT }')({ src: '1.1.1.1', method: 'get' }), false);
  assert.equal(one('if { method -i GET }')({ src: '1.1.1.1', method: 'get' }), true);
});

test('http_auth and http_auth_group against a userlist (insecure and SHA-512 crypt passwords)', () => {
  const [auth, group, opsGroup] = rules('  acl ok http_auth(ul)\n  acl adm http_auth_group(ul) admins\n  acl ops http_auth_group(ul) ops\n  use_backend b if ok\n  use_backend b if adm\n  use_backend b if ops');
  const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
  assert.equal(auth({ src: '1.1.1.1', authorization: basic('alice', 'wonder') }), true);
  assert.equal(auth({ src: '1.1.1.1', authorization: basic('alice', 'wrong') }), false);
  assert.equal(auth({ src: '1.1.1.1', authorization: basic('bob', 'builder') }), true);
  assert.equal(auth({ src: '1.1.1.1', authorization: basic('bob', 'builde') }), false);
  assert.equal(auth({ src: '1.1.1.1', header: hdrs({ authorization: basic('alice', 'wonder') }) }), true);
  assert.equal(auth({ src: '1.1.1.1' }), false);
  assert.equal(group({ src: '1.1.1.1', authorization: basic('alice', 'wonder') }), true);
  assert.equal(group({ src: '1.1.1.1', authorization: basic('bob', 'builder') }), false);
  assert.equal(opsGroup({ src: '1.1.1.1', authorization: basic('bob', 'builder') }), true);
});

test('SHA-crypt matches known crypt(3) outputs', () => {
  // Reference values produced by `openssl passwd -6 -salt abc secret` and `-5 -salt 'rounds=1000$xyz'`.
  assert.equal(shaCrypt('secret', '$6$abc$'), '$6$abc$IdWKNKTJEb8LxY7CGg8YBXlvtfZzFw7Mp/r6niK9YB2mdvgY..TKjv1T..8RadRt2qvUHYRLr/TsVArtr91iR1');
  assert.equal(shaCrypt('secret', '$5$rounds=1000$xyz$'), '$5$rounds=1000$xyz$g9ZmkI99NBf8mF8hKGuc6sCwYCshJMGe.1lArIPCWBC');
  assert.equal(checkPassword('secret', '$1$abc$iCQ2D3nhptRYi27fDYv2s1', false), false);
  assert.equal(checkPassword('x', 'x', true), true);
});

test('networks: masks, dotted masks, mapped addresses, invalid input', () => {
  assert.equal(parseNetwork('1.2.3.400'), undefined);
  assert.equal(parseNetwork('10.0.0.0/33'), undefined);
  assert.equal(parseNetwork('nonsense'), undefined);
  const m = networkMatcher([parseNetwork('10.0.0.0/255.255.0.0')!]);
  assert.equal(m('10.0.200.1'), true);
  assert.equal(m('10.1.0.1'), false);
  assert.equal(m('::ffff:10.0.0.9'), true);
  assert.equal(networkMatcher([parseNetwork('0.0.0.0/0')!])('203.0.113.9'), true);
  assert.equal(networkMatcher([parseNetwork('::/0')!])('2001:db8::1'), true);
  const all4 = networkMatcher([parseNetwork('0.0.0.0/0')!]);
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', '1.2.3.', 'a.b.c.d', '::ffff:1.2.3', '1234.1.1.1']) assert.equal(all4(bad), false, bad);
});

test('integer fetches: values, ranges and operators', () => {
  const p = one('if { dst_port 80 8000:8099 }');
  assert.equal(p({ src: '1.1.1.1', dstPort: 80 }), true);
  assert.equal(p({ src: '1.1.1.1', dstPort: 8050 }), true);
  assert.equal(p({ src: '1.1.1.1', dstPort: 8100 }), false);
  assert.equal(p({ src: '1.1.1.1' }), false);
  const gt = one('if { src_port gt 1023 }');
  assert.equal(gt({ src: '1.1.1.1', srcPort: 1024 }), true);
  assert.equal(gt({ src: '1.1.1.1', srcPort: 1023 }), false);
  assert.equal(one('if { dst_port le 443 }')({ src: '1.1.1.1', dstPort: 443 }), true);
  assert.equal(one('if { dst_port lt 443 }')({ src: '1.1.1.1', dstPort: 443 }), false);
});
