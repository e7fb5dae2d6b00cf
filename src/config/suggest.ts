// `; did you mean 'x' maybe ?` hints for misspelt keywords.

/** Edit distance where swapping two neighbouring letters counts as one edit. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The hint text for `word`, or '' when no known keyword is close enough. */
export function suggestion(word: string, known: Iterable<string>): string {
  let best = '';
  let bestDist = Infinity;
  for (const k of known) {
    const dist = distance(word, k);
    if (dist < bestDist) {
      best = k;
      bestDist = dist;
    }
  }
  const limit = Math.max(1, Math.floor(word.length / 4));
  return bestDist <= limit ? `; did you mean '${best}' maybe ?` : '';
}
