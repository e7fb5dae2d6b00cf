// `acl` lines and `if|unless` conditions: words → AclCriterion / Condition, with HAProxy's
// error texts (returned, never thrown).
import type { AclCriterion, AclTerm, Condition } from '../acl/types.js';
import { PREDEFINED_ACLS, isKnownFetch, validatePattern } from '../acl/fetches.js';
import type { SourceRef } from './model.js';
import { NOT_IMPLEMENTED_FETCH } from './not-implemented.js';

export interface PatternFileReader {
  (path: string): string | undefined;
}

export type CriterionResult = { ok: true; criterion: AclCriterion } | { ok: false; error: string };

/** Parse `<fetch>[(<arg>)] [flags] <patterns...>` (an acl line after its name, or the inside of `{ }`). */
/** Called with a fetch name HAProxy knows but Switchyard does not evaluate (it never matches). */
export type UnimplementedFetchHook = (fetch: string) => void;

export function parseCriterion(words: string[], readPatternFile: PatternFileReader, onUnimplemented?: UnimplementedFetchHook): CriterionResult {
  const expr = words[0];
  if (expr === undefined || expr === '') return { ok: false, error: `missing fetch method in ACL expression ''.` };
  const m = /^([A-Za-z0-9_.]+)(?:\(([^)]*)\))?(,.*)?$/.exec(expr);
  // Converters (`src,table_trackers(t)`) change what is matched: Switchyard does not evaluate those.
  const implemented = m !== null && isKnownFetch(m[1]) && m[3] === undefined;
  if (m && !implemented && (NOT_IMPLEMENTED_FETCH.test(m[1]) || isKnownFetch(m[1]))) onUnimplemented?.(m[3] === undefined ? m[1] : expr);
  else if (!implemented) {
    const name = m ? m[1] : expr;
    return { ok: false, error: `unknown fetch method '${name}' in ACL expression '${expr}'.` };
  }
  const fetch = m![1];
  const arg = m![2];
  const flags: string[] = [];
  const patterns: string[] = [];
  let i = 1;
  for (; i < words.length; i++) {
    const w = words[i];
    if (w === '--') {
      i++;
      break;
    }
    if (w === '-i' || w === '-n' || w === '-u') flags.push(w);
    else if (w === '-m') {
      flags.push(`-m ${words[i + 1] ?? ''}`);
      i++;
    } else if (w === '-f') {
      const path = words[i + 1] ?? '';
      i++;
      const text = readPatternFile(path);
      if (text === undefined) return { ok: false, error: `failed to open pattern file <${path}>.` };
      for (const raw of text.split('\n')) {
        const line = raw.trim();
        if (line !== '' && !line.startsWith('#')) patterns.push(line);
      }
    } else break;
  }
  for (; i < words.length; i++) patterns.push(words[i]);
  for (const p of patterns) {
    const err = implemented ? validatePattern(fetch, p) : undefined;
    if (err) return { ok: false, error: err };
  }
  return { ok: true, criterion: { fetch, arg, flags, patterns } };
}

export type ConditionResult = { ok: true; cond: Condition } | { ok: false; error: string };

/**
 * Parse the words after a rule's action: `if|unless <terms>`. `knownAcls` are the names
 * declared so far in the proxy (HAProxy requires declaration before use).
 */
export function parseCondition(words: string[], where: SourceRef, knownAcls: ReadonlySet<string>, readPatternFile: PatternFileReader, onUnimplemented?: UnimplementedFetchHook): ConditionResult {
  const unless = words[0] === 'unless';
  const anyOf: AclTerm[][] = [[]];
  let negate = false;
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (w === '||' || w === 'or') {
      anyOf.push([]);
      continue;
    }
    if (w === '!') {
      negate = !negate;
      continue;
    }
    let word = w;
    while (word.startsWith('!')) {
      negate = !negate;
      word = word.slice(1);
    }
    if (word === '{') {
      const close = words.indexOf('}', i + 1);
      if (close < 0) return { ok: false, error: `missing closing '}' in condition.` };
      const inner = parseCriterion(words.slice(i + 1, close), readPatternFile, onUnimplemented);
      if (!inner.ok) return inner;
      anyOf[anyOf.length - 1].push({ negate, ref: { kind: 'inline', criterion: inner.criterion } });
      i = close;
    } else {
      if (!knownAcls.has(word) && !PREDEFINED_ACLS.has(word)) return { ok: false, error: `no such ACL : '${word}'.` };
      anyOf[anyOf.length - 1].push({ negate, ref: { kind: 'named', name: word } });
    }
    negate = false;
  }
  return { ok: true, cond: { unless, anyOf: anyOf.filter((g) => g.length > 0), where } };
}
