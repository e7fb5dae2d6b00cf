// Compares a Switchyard stats CSV with HAProxy's for the same config: same header, same rows in
// the same order, the same empty cells, and equal values in the columns that do not depend on
// timing or traffic.

import assert from 'node:assert/strict';

export function csvTable(csv: string): { header: string[]; rows: Map<string, string[]> } {
  const lines = csv.split('\n').filter((l) => l !== '');
  const rows = new Map<string, string[]>();
  for (const l of lines.slice(1)) {
    const c = l.split(',');
    rows.set(`${c[0]}/${c[1]}`, c);
  }
  return { header: lines[0]!.slice(2).split(','), rows };
}

export function assertSameCsvShape(ours: string, theirs: string, sameValue: readonly string[]): void {
  const a = csvTable(ours);
  const b = csvTable(theirs);
  assert.deepEqual(a.header, b.header);
  assert.deepEqual([...a.rows.keys()], [...b.rows.keys()]);
  for (const [key, theirRow] of b.rows) {
    const ourRow = a.rows.get(key)!;
    assert.equal(ourRow.length, theirRow.length, key);
    b.header.forEach((name, i) => {
      assert.equal(ourRow[i] === '', theirRow[i] === '', `${key} ${name}: '${ourRow[i]}' vs haproxy '${theirRow[i]}'`);
      if (sameValue.includes(name)) assert.equal(ourRow[i], theirRow[i], `${key} ${name}`);
    });
  }
}
