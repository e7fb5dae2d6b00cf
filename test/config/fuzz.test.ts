// The parser must survive anything: random and mutated configs never throw, never hang,
// and always give either a model or at least one alert.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseConfig } from '../../src/config/parser.js';
import { FIXTURES } from './corpus-cases.js';

const opts = { env: { PORT: '80' }, readPatternFile: (p: string) => (p.startsWith('/ok') ? '10.0.0.0/8\n' : undefined), resolveHost: () => undefined, hostname: 'fuzz', defaultMaxconn: 100 };

const corpus = readdirSync(FIXTURES)
  .filter((n) => n.endsWith('.cfg'))
  .map((n) => readFileSync(join(FIXTURES, n), 'utf8'));

const KEYWORDS = [
  'global', 'defaults', 'frontend f', 'backend b', 'listen l', 'userlist u', 'bind', 'server', 'mode', 'timeout', 'stats', 'acl', 'use_backend',
  'default_backend', 'http-request', 'option', 'balance', 'default-server', '.if', '.endif', '.else', 'if', 'unless', '{', '}', '!', '||', 'or',
  'check', 'inter', 'rise', 'fall', 'weight', 'track', 'log', 'cookie', 'http-check', 'expect', 'send', 'user', 'group', 'fd@3', '${PORT}',
  '"${X-1}"', "'q'", '\\x4', '\\', '"', "'", '#', ':80', '[::1]:80', '127.0.0.1:99999', '5s', '5x', '-f', '/ok', 'src', 'hdr(host)', 'http_auth(u)',
];

function check(text: string): void {
  const started = Date.now();
  const r = parseConfig([{ file: 'fuzz.cfg', text }], opts);
  assert.ok(Date.now() - started < 5000, 'parsing took too long');
  const alerts = r.diagnostics.list.filter((d) => d.severity === 'alert');
  if (r.config === undefined) assert.ok(alerts.length > 0, 'no model and no alert');
  else assert.equal(alerts.length, 0);
  for (const d of r.diagnostics.list) assert.equal(typeof d.message, 'string');
}

test('random lines of keyword soup', () => {
  const line = fc.array(fc.oneof(fc.constantFrom(...KEYWORDS), fc.string({ maxLength: 8 })), { maxLength: 8 }).map((ws) => ws.join(' '));
  fc.assert(fc.property(fc.array(line, { maxLength: 30 }), (lines) => check(lines.join('\n'))), { numRuns: 400 });
});

test('arbitrary text, including unicode and control characters', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => check(text)), { numRuns: 300 });
});

test('corpus files with lines deleted, duplicated, swapped or damaged', () => {
  const mutation = fc.record({
    file: fc.nat({ max: corpus.length - 1 }),
    ops: fc.array(fc.tuple(fc.constantFrom('drop', 'dup', 'swap', 'cut', 'insert'), fc.nat(), fc.nat(), fc.string({ maxLength: 6 })), { maxLength: 6 }),
  });
  fc.assert(
    fc.property(mutation, ({ file, ops }) => {
      const lines = corpus[file].split('\n');
      for (const [op, a, b, s] of ops) {
        const i = a % lines.length;
        const j = b % lines.length;
        if (op === 'drop') lines.splice(i, 1);
        else if (op === 'dup') lines.splice(i, 0, lines[i]);
        else if (op === 'swap') [lines[i], lines[j]] = [lines[j], lines[i]];
        else if (op === 'cut') lines[i] = (lines[i] ?? '').slice(0, b % 20);
        else lines.splice(i, 0, `${lines[j] ?? ''} ${s}`);
        if (lines.length === 0) lines.push('');
      }
      check(lines.join('\n'));
    }),
    { numRuns: 400 },
  );
});
