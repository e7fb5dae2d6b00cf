// The config corpus under test/fixtures/config: every *.cfg file and every directory is one
// case, with `<case>.expected` holding the -c output (NOTICE lines dropped, pid as PID) and rc.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/test/config → repository root */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'config');

/** Variables the env-expansion fixtures read. */
export const FIXTURE_ENV: NodeJS.ProcessEnv = { SY_FIXTURE_NODE: 'fixture-node', SY_FIXTURE_PORT: '18100', SY_FIXTURE_ADDR: '127.0.0.1:8081', PATH: process.env.PATH };

export interface CorpusCase {
  name: string; // path relative to FIXTURES, as given to -f
  expected: string;
  /** first line `# switchyard-only: <reason>` marks keywords HAProxy does not have */
  switchyardOnly?: string;
}

export function corpusCases(): CorpusCase[] {
  return readdirSync(FIXTURES)
    .filter((n) => n.endsWith('.cfg') || statSync(join(FIXTURES, n)).isDirectory())
    .sort()
    .map((name) => {
      const base = name.replace(/\.cfg$/, '');
      const expected = readFileSync(join(FIXTURES, `${base}.expected`), 'utf8');
      const first = name.endsWith('.cfg') ? readFileSync(join(FIXTURES, name), 'utf8').split('\n')[0] : '';
      const m = /^# switchyard-only: (.*)$/.exec(first);
      return { name, expected, switchyardOnly: m?.[1] };
    });
}

/** Same normalisation the .expected files use. */
export function normalise(stderr: string, stdout: string, rc: number): string {
  const lines = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));
  const err = lines(stderr)
    .filter((l) => !l.startsWith('[NOTICE]'))
    .map((l) => l.replace(/^(\[[A-Z]+\] +)\(\d+\)/, '$1(PID)'));
  return [...err, ...lines(stdout), `rc=${rc}`].join('\n') + '\n';
}
