import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lexLine } from '../../src/config/lexer.js';
import { parseTime, parseSize } from '../../src/config/units.js';
import { parseAddress } from '../../src/config/address.js';

const env = { HOME_DIR: '/home/x', PORT: '8080', EMPTY: '' };
const words = (line: string) => {
  const r = lexLine(line, env);
  assert.equal(r.error, undefined, r.error);
  return r.words;
};

test('blanks separate words; indentation and comments are ignored', () => {
  assert.deepEqual(words('  \tserver  s1\t127.0.0.1:80   check # the first one'), ['server', 's1', '127.0.0.1:80', 'check']);
  assert.deepEqual(words('# only a comment'), []);
  assert.deepEqual(words(''), []);
  assert.deepEqual(words('a#b'), ['a']);
});

test('backslash escapes', () => {
  assert.deepEqual(words('stats realm HAProxy\\ Statistics'), ['stats', 'realm', 'HAProxy Statistics']);
  assert.deepEqual(words('x \\#not-a-comment \\\\ \\\' \\"'), ['x', '#not-a-comment', '\\', "'", '"']);
  assert.deepEqual(words('x a\\tb a\\nb a\\rb'), ['x', 'a\tb', 'a\nb', 'a\rb']);
  assert.deepEqual(words('x \\x41\\x62c'), ['x', 'Abc']);
  assert.deepEqual(words('path_reg ^/v\\d+$'), ['path_reg', '^/v\\d+$']);
});

test('quotes group words; double quotes expand ${VAR}, ${VAR-default} and $VAR, bare words ${VAR} only, single quotes nothing', () => {
  assert.deepEqual(words('description "two words" \'and # more\''), ['description', 'two words', 'and # more']);
  assert.deepEqual(words('bind "127.0.0.1:${PORT}"'), ['bind', '127.0.0.1:8080']);
  assert.deepEqual(words("x '${PORT}'"), ['x', '${PORT}']);
  assert.deepEqual(words('x ${PORT} ${UNSET_VAR}:${PORT} a${UNSET_VAR-b}'), ['x', '8080', ':8080', 'a-b}']);
  assert.deepEqual(words('x "${UNSET_VAR-5s}" "${PORT-1}" "${EMPTY-d}" "${UNSET_VAR}"'), ['x', '5s', '8080', '', '']);
  assert.deepEqual(words('x "a"b\'c\' ""'), ['x', 'abc', '']);
  assert.deepEqual(words('x "say \\"hi\\""'), ['x', 'say "hi"']);
  assert.deepEqual(words('x "$PORT/$HOME_DIR" "$UNSET_VAR" "a$" \'$PORT\' $PORT'), ['x', '8080//home/x', '', 'a$', '$PORT', '$PORT']);
});

test('lexing errors carry the position HAProxy reports', () => {
  assert.deepEqual(lexLine('  bind "127.0.0.1:80', env), { words: ['bind'], error: 'unmatched quote at position 8', errorPos: 7 });
  const hex = lexLine('x \\xZZ', env);
  assert.equal(hex.error, 'truncated or invalid hexadecimal sequence at position 3');
  assert.equal(lexLine('x "${OOPS"', env).error, "missing closing '}' at position 4");
});

test('times: units and defaults', () => {
  assert.deepEqual(parseTime('500'), { ok: true, value: 500 });
  assert.deepEqual(parseTime('5s'), { ok: true, value: 5000 });
  assert.deepEqual(parseTime('2m'), { ok: true, value: 120000 });
  assert.deepEqual(parseTime('1h'), { ok: true, value: 3600000 });
  assert.deepEqual(parseTime('1d'), { ok: true, value: 86400000 });
  assert.deepEqual(parseTime('100ms'), { ok: true, value: 100 });
  assert.deepEqual(parseTime('1500us'), { ok: true, value: 2 });
  assert.deepEqual(parseTime('5', 1000), { ok: true, value: 5000 });
  assert.deepEqual(parseTime('5x'), { ok: false, badChar: 'x' });
  assert.deepEqual(parseTime('3a'), { ok: false, badChar: 'a' });
  assert.deepEqual(parseTime('5sx'), { ok: false, badChar: 'x' });
  assert.deepEqual(parseTime('abc'), { ok: false, badChar: 'a' });
  assert.equal(parseSize('16k'), 16384);
  assert.equal(parseSize('x'), undefined);
});

test('addresses: any, IPv4, IPv6, prefixes, unix, fd, ranges and their errors', () => {
  const ok = (text: string, use: 'bind' | 'server' | 'socket') => {
    const r = parseAddress(text, use);
    assert.ok(r.ok, `${text}: ${!r.ok ? r.error : ''}`);
    return r;
  };
  assert.deepEqual(ok('*:8404', 'bind').address, { kind: 'inet', host: '0.0.0.0', port: 8404, family: 4 });
  assert.deepEqual(ok(':80', 'bind').address, { kind: 'inet', host: '0.0.0.0', port: 80, family: 4 });
  assert.deepEqual(ok('127.0.0.1:8080', 'bind').address, { kind: 'inet', host: '127.0.0.1', port: 8080, family: 4 });
  assert.deepEqual(ok('[::1]:80', 'bind').address, { kind: 'inet', host: '::1', port: 80, family: 6 });
  assert.deepEqual(ok('ipv6@::1:80', 'bind').address, { kind: 'inet', host: '::1', port: 80, family: 6 });
  assert.deepEqual(ok('ipv4@127.0.0.1:9999', 'socket').address, { kind: 'inet', host: '127.0.0.1', port: 9999, family: 4 });
  assert.deepEqual(ok('unix@/run/x.sock', 'bind').address, { kind: 'unix', path: '/run/x.sock' });
  assert.deepEqual(ok('/run/y.sock', 'socket').address, { kind: 'unix', path: '/run/y.sock' });
  assert.deepEqual(ok('fd@3', 'bind').address, { kind: 'fd', fd: 3 });
  assert.equal(ok('127.0.0.1:80-82', 'bind').portEnd, 82);
  assert.deepEqual(ok('127.0.0.1', 'server').address, { kind: 'inet', host: '127.0.0.1', port: 0, family: 4 });
  assert.equal(ok('backend.example:80', 'server').hostname, 'backend.example');
  const err = (text: string, use: 'bind' | 'server') => {
    const r = parseAddress(text, use);
    assert.ok(!r.ok);
    return r.error;
  };
  assert.equal(err(':99999', 'bind'), "invalid port '99999'");
  assert.equal(err(':0', 'bind'), "invalid port '0'");
  assert.equal(err('1.2.3.4', 'bind'), "missing port specification in '1.2.3.4'");
  assert.equal(err(':-1', 'bind'), "port offset not permitted here in ':-1'");
  assert.equal(err('127.0.0.1:80-90', 'server'), "port range not permitted here in '127.0.0.1:80-90'");
  assert.equal(err('127.0.0.1:notaport', 'server'), "invalid character 'n' in port number 'notaport' in '127.0.0.1:notaport'");
});
