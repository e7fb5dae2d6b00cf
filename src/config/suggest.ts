// `; did you mean 'x' maybe ?` hints for misspelt keywords.

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** The hint text for `word`, or '' when no known keyword is close enough. */
export function suggestion(word: string, known: readonly string[]): string {
  let best = '';
  let bestDist = Infinity;
  for (const k of known) {
    const d = distance(word, k);
    if (d < bestDist) {
      best = k;
      bestDist = d;
    }
  }
  const limit = Math.max(1, Math.floor(word.length / 4));
  return bestDist <= limit ? `; did you mean '${best}' maybe ?` : '';
}
