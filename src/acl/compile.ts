// Conditions compiled once into plain predicates over RequestFacts (no parsing per request).
import type { Userlist } from '../config/model.js';
import { networkMatcher, parseNetwork, type Network } from './cidr.js';
import { FETCHES } from './fetches.js';
import { checkPassword } from './password.js';
import type { AclCriterion, AclDefinition, AclTerm, Condition, RequestFacts } from './types.js';

export type Predicate = (facts: RequestFacts) => boolean;

const TRUE: Predicate = () => true;
const FALSE: Predicate = () => false;

const LOCALHOST_NETS = [parseNetwork('127.0.0.0/8')!, parseNetwork('::1')!];

const method = (...names: string[]): Predicate => (f) => f.method !== undefined && names.includes(f.method);
const urlOf = (f: RequestFacts): string | undefined => f.url ?? f.path;

const PREDEFINED: Record<string, Predicate> = {
  TRUE,
  FALSE,
  LOCALHOST: ((m) => (f: RequestFacts) => m(f.src))(networkMatcher(LOCALHOST_NETS)),
  HTTP: (f) => f.httpVersion !== undefined,
  'HTTP_1.0': (f) => f.httpVersion === '1.0',
  'HTTP_1.1': (f) => f.httpVersion === '1.1',
  'HTTP_2.0': (f) => f.httpVersion === '2.0',
  METH_CONNECT: method('CONNECT'),
  METH_DELETE: method('DELETE'),
  METH_GET: method('GET', 'HEAD'),
  METH_HEAD: method('HEAD'),
  METH_OPTIONS: method('OPTIONS'),
  METH_POST: method('POST'),
  METH_PUT: method('PUT'),
  METH_TRACE: method('TRACE'),
  HTTP_URL_ABS: (f) => /^[^/:]*:\/\//.test(urlOf(f) ?? ''),
  HTTP_URL_SLASH: (f) => (urlOf(f) ?? '').startsWith('/'),
  HTTP_URL_STAR: (f) => urlOf(f) === '*',
  HTTP_CONTENT: (f) => Number(f.header?.('content-length') ?? 0) > 0,
  REQ_CONTENT: (f) => Number(f.header?.('content-length') ?? 0) > 0,
  RDP_COOKIE: FALSE,
  WAIT_END: TRUE,
};

/** A string matcher for one match method over all patterns (OR). */
function stringMatcher(kind: string, patterns: string[], ignoreCase: boolean): (value: string) => boolean {
  const pats = ignoreCase ? patterns.map((p) => p.toLowerCase()) : patterns;
  const norm = ignoreCase ? (v: string) => v.toLowerCase() : (v: string) => v;
  switch (kind) {
    case 'str': {
      const set = new Set(pats);
      return (v) => set.has(norm(v));
    }
    case 'beg':
      return (v) => {
        const s = norm(v);
        return pats.some((p) => s.startsWith(p));
      };
    case 'end':
      return (v) => {
        const s = norm(v);
        return pats.some((p) => s.endsWith(p));
      };
    case 'sub':
      return (v) => {
        const s = norm(v);
        return pats.some((p) => s.includes(p));
      };
    case 'reg': {
      const res = patterns.map((p) => new RegExp(p, ignoreCase ? 'i' : ''));
      return (v) => res.some((r) => r.test(v));
    }
    case 'dir':
    case 'dom': {
      const sep = kind === 'dir' ? '/' : '.';
      return (v) => {
        const parts = norm(v).split(sep);
        return pats.some((p) => {
          const want = p.split(sep).filter((x) => x !== '');
          for (let i = 0; i + want.length <= parts.length; i++) if (want.every((w, j) => parts[i + j] === w)) return true;
          return false;
        });
      };
    }
    case 'len': {
      const lens = patterns.map(Number);
      return (v) => lens.includes(v.length);
    }
    case 'found':
      return () => true;
    default:
      return () => false;
  }
}

/** Integer patterns: `80`, ranges `1024:65535` / `:99` / `100:`, and operators `eq|ge|gt|le|lt <n>`. */
function intMatcher(patterns: string[]): (n: number) => boolean {
  const ranges: [number, number][] = [];
  for (let i = 0; i < patterns.length; i++) {
    const p = patterns[i];
    const op = INT_OPERATORS[p];
    if (op) {
      const v = Number(patterns[++i]);
      ranges.push(op(v));
      continue;
    }
    const [a, b] = p.split(':');
    ranges.push([a === '' ? -Infinity : Number(a), b === undefined ? Number(a) : b === '' ? Infinity : Number(b)]);
  }
  return (n) => ranges.some(([lo, hi]) => n >= lo && n <= hi);
}

const INT_OPERATORS: Record<string, (v: number) => [number, number]> = {
  eq: (v) => [v, v],
  ge: (v) => [v, Infinity],
  gt: (v) => [v + 1, Infinity],
  le: (v) => [-Infinity, v],
  lt: (v) => [-Infinity, v - 1],
};

function decodeBasic(authorization: string | undefined): { user: string; pass: string } | undefined {
  if (!authorization || !/^basic\s+/i.test(authorization)) return undefined;
  const raw = Buffer.from(authorization.replace(/^basic\s+/i, '').trim(), 'base64').toString('utf8');
  const colon = raw.indexOf(':');
  if (colon < 0) return undefined;
  return { user: raw.slice(0, colon), pass: raw.slice(colon + 1) };
}

/** The authenticated userlist user, or undefined. */
function authenticatedUser(list: Userlist | undefined, facts: RequestFacts): { name: string; groups: string[] } | undefined {
  if (!list) return undefined;
  const cred = decodeBasic(facts.authorization ?? facts.header?.('authorization'));
  if (!cred) return undefined;
  const user = list.users.find((u) => u.name === cred.user);
  if (!user || !checkPassword(cred.pass, user.password, user.insecure)) return undefined;
  const groups = [...user.groups, ...Object.entries(list.groups).filter(([, members]) => members.includes(user.name)).map(([g]) => g)];
  return { name: user.name, groups };
}

export function compileCriterion(c: AclCriterion, userlists: Record<string, Userlist> = {}): Predicate {
  const ignoreCase = c.flags.includes('-i');
  const mFlag = c.flags.find((f) => f.startsWith('-m '));
  const defaultKind = FETCHES[c.fetch];
  const kind = mFlag ? mFlag.slice(3) : defaultKind;
  if (kind === 'found') {
    if (c.fetch.startsWith('hdr') || c.fetch === 'req.hdr') {
      const name = (c.arg ?? '').split(',')[0].toLowerCase();
      return (f) => f.header?.(name) !== undefined;
    }
    return TRUE;
  }
  switch (c.fetch) {
    case 'always_true':
      return TRUE;
    case 'always_false':
      return FALSE;
    case 'src':
    case 'dst': {
      const nets = c.patterns.map(parseNetwork).filter((n): n is Network => n !== undefined);
      const m = networkMatcher(nets);
      return c.fetch === 'src' ? (f) => m(f.src) : (f) => f.dst !== undefined && m(f.dst);
    }
    case 'dst_port':
    case 'src_port': {
      const m = intMatcher(c.patterns);
      return c.fetch === 'dst_port' ? (f) => f.dstPort !== undefined && m(f.dstPort) : (f) => f.srcPort !== undefined && m(f.srcPort);
    }
    case 'http_auth': {
      const list = userlists[c.arg ?? ''];
      return (f) => authenticatedUser(list, f) !== undefined;
    }
    case 'http_auth_group': {
      const list = userlists[c.arg ?? ''];
      const wanted = new Set(c.patterns);
      return (f) => authenticatedUser(list, f)?.groups.some((g) => wanted.has(g)) ?? false;
    }
  }
  if (c.patterns.length === 0) return FALSE;
  const match = stringMatcher(kind, c.patterns, ignoreCase);
  switch (c.fetch) {
    case 'path':
    case 'path_beg':
    case 'path_end':
    case 'path_sub':
    case 'path_reg':
    case 'path_dir':
      return (f) => f.path !== undefined && match(f.path);
    case 'url':
    case 'url_beg':
    case 'url_end':
    case 'url_sub':
    case 'url_reg':
      return (f) => {
        const u = urlOf(f);
        return u !== undefined && match(u);
      };
    case 'method':
      return (f) => f.method !== undefined && match(f.method);
    default: {
      // hdr family: every comma-separated value of the header is a candidate, like HAProxy's hdr().
      const name = (c.arg ?? '').split(',')[0].trim().toLowerCase();
      return (f) => {
        const v = f.header?.(name);
        if (v === undefined) return false;
        if (match(v)) return true;
        if (!v.includes(',')) return false;
        for (const part of v.split(',')) if (match(part.trim())) return true;
        return false;
      };
    }
  }
}

function compileNamed(name: string, acls: Record<string, AclDefinition[]>, userlists: Record<string, Userlist>): Predicate {
  const defs = Object.hasOwn(acls, name) ? acls[name] : undefined;
  if (defs && defs.length > 0) {
    const preds = defs.map((d) => compileCriterion(d.criterion, userlists));
    return preds.length === 1 ? preds[0] : (f) => preds.some((p) => p(f));
  }
  return PREDEFINED[name] ?? FALSE;
}

function compileTerm(t: AclTerm, acls: Record<string, AclDefinition[]>, userlists: Record<string, Userlist>): Predicate {
  const p = t.ref.kind === 'named' ? compileNamed(t.ref.name, acls, userlists) : compileCriterion(t.ref.criterion, userlists);
  return t.negate ? (f) => !p(f) : p;
}

/**
 * `if|unless` condition → predicate. Terms in a group are ANDed, groups are ORed
 * (`||` / `or`); `unless` inverts the result.
 */
export function compileCondition(cond: Condition, acls: Record<string, AclDefinition[]>, userlists: Record<string, Userlist> = {}): Predicate {
  const groups = cond.anyOf.map((g) => g.map((t) => compileTerm(t, acls, userlists)));
  let p: Predicate;
  if (groups.length === 1 && groups[0].length === 1) p = groups[0][0];
  else
    p = (f) => {
      for (const g of groups) {
        let all = true;
        for (const t of g) {
          if (!t(f)) {
            all = false;
            break;
          }
        }
        if (all) return true;
      }
      return false;
    };
  if (groups.length === 0) p = FALSE;
  return cond.unless ? (f) => !p(f) : p;
}
