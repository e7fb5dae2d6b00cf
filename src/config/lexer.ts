// HAProxy's line syntax: words separated by blanks, `#` comments, backslash escapes,
// single quotes (literal) and double quotes (with "${VAR}" / "${VAR-default}" / "$VAR" expansion;
// unquoted, only ${VAR}).
// Pure: the environment is passed in, nothing is thrown.

export interface LexedLine {
  words: string[];
  /** Set when the line cannot be split; the message is HAProxy's wording without prefix. */
  error?: string;
  /** 0-based index in the line the error points at */
  errorPos?: number;
}

const SIMPLE_ESCAPES: Record<string, string> = { ' ': ' ', '\\': '\\', '#': '#', "'": "'", '"': '"', r: '\r', n: '\n', t: '\t' };

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

/** Split one configuration line into words. */
export function lexLine(line: string, env: NodeJS.ProcessEnv): LexedLine {
  const words: string[] = [];
  let i = 0;
  const n = line.length;
  let word = '';
  let inWord = false;
  let quote: '' | '"' | "'" = '';
  let quotePos = 0;

  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };

  while (i < n) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = '';
      else word += c;
      i++;
      continue;
    }
    if (quote === '' && (c === ' ' || c === '\t' || c === '\r' || c === '\n')) {
      endWord();
      i++;
      continue;
    }
    if (quote === '' && c === '#') break;
    if (c === '\\') {
      const next = line[i + 1];
      if (next !== undefined && next in SIMPLE_ESCAPES) {
        word += SIMPLE_ESCAPES[next];
        inWord = true;
        i += 2;
        continue;
      }
      if (next === 'x') {
        if (!isHex(line[i + 2]) || !isHex(line[i + 3])) return { words, error: `truncated or invalid hexadecimal sequence at position ${i + 1}`, errorPos: i };
        word += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
        inWord = true;
        i += 4;
        continue;
      }
      // Unknown escapes stay as written (regexes such as `\d` rely on it).
      word += c;
      inWord = true;
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      if (quote === c) {
        quote = '';
      } else if (quote === '') {
        quote = c;
        quotePos = i;
      } else {
        word += c;
      }
      inWord = true;
      i++;
      continue;
    }
    if (c === '$' && quote === '"' && line[i + 1] === '{') {
      const close = line.indexOf('}', i + 2);
      if (close < 0) return { words, error: `missing closing '}' at position ${i + 1}`, errorPos: i };
      const inner = line.slice(i + 2, close);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:-(.*))?$/s.exec(inner);
      if (!m) return { words, error: `invalid environment variable name at position ${i + 1}`, errorPos: i };
      const value = env[m[1]];
      word += value !== undefined ? value : (m[2] ?? '');
      inWord = true;
      i = close + 1;
      continue;
    }
    if (c === '$' && quote === '' && line[i + 1] === '{') {
      // Unquoted, HAProxy 2.6 still expands ${VAR}; a `-default` there stays as written.
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(line.slice(i + 2));
      if (m) {
        word += env[m[0]] ?? '';
        inWord = true;
        i += 2 + m[0].length;
        if (line[i] === '}') i++;
        continue;
      }
    }
    if (c === '$' && quote === '"') {
      // "$VAR" without braces: the name runs over letters, digits and underscores.
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(line.slice(i + 1));
      if (m) {
        word += env[m[0]] ?? '';
        inWord = true;
        i += 1 + m[0].length;
        continue;
      }
    }
    word += c;
    inWord = true;
    i++;
  }
  if (quote !== '') return { words, error: `unmatched quote at position ${quotePos + 1}`, errorPos: quotePos };
  endWord();
  return { words };
}
