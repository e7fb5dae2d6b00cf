// README.md's keyword table must stay true: every row's example parses in its section, without
// errors, and with a not-implemented warning exactly when the row says "parsed, warns".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/config/parser.js';

const DOC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'README.md');
const opts = { env: {}, readPatternFile: () => undefined, resolveHost: () => '127.0.0.1', hostname: 'doc', defaultMaxconn: 100 };

const rows = readFileSync(DOC, 'utf8')
  .split('\n')
  .map((l) => /^\| (\w+) \| `(.*)` \| (implemented|parsed, warns) \|/.exec(l))
  .filter((m): m is RegExpExecArray => m !== null)
  .map((m) => ({ section: m[1], example: m[2], status: m[3] }));

const USERLIST = 'userlist u\n  user x insecure-password y\n';

function wrap(section: string, line: string): string {
  switch (section) {
    case 'global':
      return `global\n  ${line}\nfrontend f\n  bind 127.0.0.1:1\n`;
    case 'defaults':
      // Rules make a defaults section usable by frontends only, so the frontend alone inherits it.
      return `${USERLIST}defaults d\n  ${line}\nfrontend f from d\n  bind 127.0.0.1:1\n`;
    case 'frontend':
      return `${USERLIST}backend b\n  mode http\n  server s1 127.0.0.1:2\nbackend t\n  stick-table type ip size 1k\nfrontend f\n  mode http\n  bind 127.0.0.1:1\n  ${line}\n`;
    case 'backend':
      return `backend b\n  mode http\n  server s1 127.0.0.1:2 check\n  ${line}\nfrontend f\n  mode http\n  bind 127.0.0.1:1\n  default_backend b\n`;
    case 'listen':
      return `listen l\n  bind 127.0.0.1:1\n  ${line}\n`;
    case 'userlist':
      return `userlist u\n  group ops\n  ${line}\n  user alice insecure-password x\nfrontend f\n  bind 127.0.0.1:1\n`;
    case 'server':
      return `backend b\n  server s1 127.0.0.1:2 check\n  server s9 127.0.0.1:3 ${line}\n  default-server ${line}\nfrontend f\n  bind 127.0.0.1:1\n  default_backend b\n`;
  }
  throw new Error(`unknown section ${section}`);
}

test('README.md has keyword rows for every section', () => {
  assert.ok(rows.length > 150);
  assert.deepEqual([...new Set(rows.map((r) => r.section))].sort(), ['backend', 'defaults', 'frontend', 'global', 'listen', 'server', 'userlist']);
});

for (const r of rows) {
  test(`${r.section}: ${r.example} (${r.status})`, () => {
    const text = wrap(r.section, r.example);
    const exampleLines = new Set(text.split('\n').flatMap((l, i) => (l.endsWith(r.example) ? [i + 1] : [])));
    const res = parseConfig([{ file: 'doc.cfg', text }], opts);
    const alerts = res.diagnostics.list.filter((d) => d.severity === 'alert').map((d) => d.message);
    assert.deepEqual(alerts, []);
    const notImpl = res.diagnostics.list.filter((d) => d.severity === 'warning' && d.message.includes('not implemented by Switchyard') && exampleLines.has(d.where?.line ?? 0));
    if (r.status === 'implemented') assert.deepEqual(notImpl.map((d) => d.message), []);
    else assert.ok(notImpl.length > 0, 'expected a not-implemented warning');
  });
}
