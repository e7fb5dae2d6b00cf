// The `.if` / `-cc` condition language: predicates (defined, feature, streq, strneq,
// version_atleast, version_before), bare words, `!`, `&&`, `||` and parentheses.
import { FEATURES, VERSION } from '../cli/version.js';

export type CondExprResult = { ok: true; value: boolean } | { ok: false; error: string };

type Token = { t: '(' | ')' | '!' | '&&' | '||' } | { t: 'call'; name: string; args: string[] } | { t: 'word'; text: string };

function tokenize(text: string): Token[] | string {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '(' || c === ')' || c === '!') {
      out.push({ t: c });
      i++;
    } else if (text.startsWith('&&', i) || text.startsWith('||', i)) {
      out.push({ t: text.slice(i, i + 2) as '&&' | '||' });
      i += 2;
    } else {
      const m = /^[^\s()!&|]+/.exec(text.slice(i));
      if (!m) return `unparsable text at position ${i + 1}`;
      i += m[0].length;
      if (text[i] === '(' && /^[a-z_]+$/.test(m[0])) {
        const close = text.indexOf(')', i);
        if (close < 0) return `missing closing ')' after '${m[0]}('`;
        const inner = text.slice(i + 1, close);
        out.push({ t: 'call', name: m[0], args: inner === '' ? [] : inner.split(',') });
        i = close + 1;
      } else out.push({ t: 'word', text: m[0] });
    }
  }
  return out;
}

/** Split "2.5-dev0" into comparable numbers: release parts, then stage (dev < pre < rc < final) and its number. */
function versionKey(v: string): number[] | undefined {
  const m = /^(\d+(?:\.\d+)*)(?:-(dev|pre|rc)(\d*))?/.exec(v);
  if (!m) return undefined;
  const parts = m[1].split('.').map(Number);
  while (parts.length < 4) parts.push(0);
  const stage = m[2] === 'dev' ? 1 : m[2] === 'pre' ? 2 : m[2] === 'rc' ? 3 : 4;
  return [...parts.slice(0, 4), stage, Number(m[3] || 0)];
}

function compareVersions(a: string, b: string): number | undefined {
  const x = versionKey(a);
  const y = versionKey(b);
  if (!x || !y) return undefined;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

function callPredicate(name: string, args: string[], env: NodeJS.ProcessEnv): boolean | string {
  const need = (n: number) => (args.length < n ? `'${name}' expects ${n} argument(s)` : undefined);
  switch (name) {
    case 'defined':
      return need(1) ?? env[args[0]] !== undefined;
    case 'feature':
      return need(1) ?? FEATURES.includes(args[0]);
    case 'streq':
      return need(2) ?? args[0] === args[1];
    case 'strneq':
      return need(2) ?? args[0] !== args[1];
    case 'version_atleast':
    case 'version_before': {
      const cmp = args.length < 1 ? undefined : compareVersions(VERSION, args[0]);
      if (cmp === undefined) return `'${name}' expects a valid version`;
      return name === 'version_atleast' ? cmp >= 0 : cmp < 0;
    }
    case 'openssl_version_atleast':
    case 'openssl_version_before':
    case 'ssllib_name_startswith':
    case 'enabled':
      return false;
  }
  return `unknown conditional predicate '${name}'`;
}

/** Evaluate an already-lexed condition text (quotes and "${VAR}" handled by the lexer). */
export function evalCondExpr(text: string, env: NodeJS.ProcessEnv): CondExprResult {
  const toks = tokenize(text);
  if (typeof toks === 'string') return { ok: false, error: toks };
  if (toks.length === 0) return { ok: false, error: 'empty condition' };
  let pos = 0;
  let error: string | undefined;

  const term = (): boolean => {
    const tk = toks[pos++];
    if (!tk) {
      error ??= 'unexpected end of condition';
      return false;
    }
    if (tk.t === '!') return !term();
    if (tk.t === '(') {
      const v = orExpr();
      if (toks[pos]?.t !== ')') error ??= "missing closing ')'";
      pos++;
      return v;
    }
    if (tk.t === 'call') {
      const r = callPredicate(tk.name, tk.args, env);
      if (typeof r === 'string') {
        error ??= r;
        return false;
      }
      return r;
    }
    if (tk.t === 'word') {
      // A bare term is a number, true when not zero; trailing text is an error, as in HAProxy.
      if (!/^-?\d+$/.test(tk.text)) error ??= `unparsable number '${tk.text}'`;
      return Number(tk.text) !== 0;
    }
    error ??= `unexpected '${tk.t}'`;
    return false;
  };
  const andExpr = (): boolean => {
    let v = term();
    while (toks[pos]?.t === '&&') {
      pos++;
      const r = term();
      v = v && r;
    }
    return v;
  };
  const orExpr = (): boolean => {
    let v = andExpr();
    while (toks[pos]?.t === '||') {
      pos++;
      const r = andExpr();
      v = v || r;
    }
    return v;
  };
  const value = orExpr();
  if (pos < toks.length) error ??= `unexpected text after condition`;
  return error ? { ok: false, error } : { ok: true, value };
}
