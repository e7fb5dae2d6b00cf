// The `.if` / `-cc` condition language.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evalCondExpr } from '../../src/config/cond-expr.js';
import { parseConfig } from '../../src/config/parser.js';

const env = { SET: 'yes', EMPTY: '' };
const value = (text: string) => {
  const r = evalCondExpr(text, env);
  assert.ok(r.ok, !r.ok ? r.error : '');
  return r.value;
};

test('predicates', () => {
  assert.equal(value('defined(SET)'), true);
  assert.equal(value('defined(EMPTY)'), true);
  assert.equal(value('defined(UNSET)'), false);
  assert.equal(value('streq(a,a)'), true);
  assert.equal(value('strneq(a,a)'), false);
  assert.equal(value('version_atleast(2.6)'), true);
  assert.equal(value('version_atleast(2.6.13)'), false);
  assert.equal(value('version_atleast(2.6-dev0)'), true);
  assert.equal(value('version_before(2.7-dev0)'), true);
  assert.equal(value('version_before(2.6.12)'), false);
  assert.equal(value('feature(PROMEX)'), true);
  assert.equal(value('feature(OPENSSL)'), false);
});

test('words, negation, precedence and parentheses', () => {
  assert.equal(value('1'), true);
  assert.equal(value('0'), false);
  assert.equal(value('-1000 && 200'), true);
  assert.equal(value('!0'), true);
  assert.equal(value('1 || 0 && 0'), true);
  assert.equal(value('(1 || 0) && 0'), false);
  assert.equal(value('!(defined(UNSET) || 0)'), true);
});

test('errors are reported, not thrown', () => {
  for (const bad of ['', 'nosuch(1)', 'streq(a)', '(1', '1 &&', 'version_atleast(x)', '200rrr', '!(0))', 'word']) {
    const r = evalCondExpr(bad, env);
    assert.equal(r.ok, false, bad);
  }
});

test('.if/.elif/.else/.endif select lines; .alert and .warning report', () => {
  const text = '.if streq(a,b)\nglobal\n  bogus\n.elif defined(SET)\n.warning "picked elif"\n.else\n.alert "not here"\n.endif\n.if 0\n.if 1\n.alert "nested in false"\n.endif\n.endif\n';
  const r = parseConfig([{ file: 'c.cfg', text }], { env, readPatternFile: () => undefined, resolveHost: () => undefined, hostname: 'h', defaultMaxconn: 10 });
  assert.deepEqual(
    r.diagnostics.list.map((d) => [d.severity, d.message]),
    [['warning', 'parsing [c.cfg:5]: picked elif']],
  );
  const open = parseConfig([{ file: 'o.cfg', text: '.if 1\n' }], { env, readPatternFile: () => undefined, resolveHost: () => undefined, hostname: 'h', defaultMaxconn: 10 });
  assert.deepEqual(open.diagnostics.list.map((d) => d.message).slice(0, 1), ["parsing [o.cfg:2]: missing '.endif' at end of file."]);
});
