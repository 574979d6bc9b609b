import { FILTER_LIMITS } from './types.ts';

/**
 * `$regex` on a backtracking engine (V8's irregexp). Patterns come from operators, subjects from
 * whoever sends webhooks, so a pattern must not let a crafted body stall the router. Refused at
 * validation, and again at evaluation (the matcher can be handed filters that were never validated):
 *
 * - nested quantifiers (`(a+)+`, `(b?c)*`, `(x*y){3}`) and repeated alternatives (`(a|a)*`):
 *   exponential backtracking, the classic ReDoS;
 * - back-references (`\1`, `\k<n>`): no bound on the search at all;
 * - more than one unbounded quantifier (`a.*b.*c`, `\w+\w+x`): polynomial blow-up, half a second on
 *   1 KiB, tens of seconds on 4 KiB; bounded counts (`\d{1,10}`) serve those cases;
 * - counts over 1,000 and patterns over 256 characters.
 *
 * Rejected alternatives: the `re2` native addon (a compiled dependency in a pure package) and V8's
 * linear engine (behind a command-line flag). What stays possible with one unbounded quantifier is
 * quadratic at worst, which the subject length cap (FILTER_LIMITS.maxRegexSubject) keeps small.
 *
 * Patterns compile with the `u` flag: its stricter syntax (a lone `{` is an error) is what lets this
 * scanner read quantifiers without guessing.
 */
export function regexProblem(pattern: string): string | null {
  if (pattern.length > FILTER_LIMITS.maxPatternLength) {
    return `pattern longer than ${FILTER_LIMITS.maxPatternLength} characters`;
  }
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    return `invalid pattern: ${(error as Error).message}`;
  }
  return quantifierProblem(pattern);
}

const MAX_COUNT = 1_000;

/** hasVariable: the group holds a quantifier of varying count, or alternatives (`|`). */
interface Frame { hasVariable: boolean }
type LastAtom = { group: boolean; innerVariable: boolean } | null;

function quantifierProblem(p: string): string | null {
  const frames: Frame[] = [{ hasVariable: false }];
  let last: LastAtom = null;
  let unbounded = 0;
  let i = 0;
  while (i < p.length) {
    const ch = p[i]!;
    if (ch === '\\') {
      const next = p[i + 1] ?? '';
      if (/[1-9]/.test(next) || (next === 'k' && p[i + 2] === '<')) return 'back-references are not allowed';
      i += escapeLength(p, i);
      last = { group: false, innerVariable: false };
      continue;
    }
    if (ch === '[') {
      i = classEnd(p, i);
      last = { group: false, innerVariable: false };
      continue;
    }
    if (ch === '(') {
      frames.push({ hasVariable: false });
      i += groupPrefixLength(p, i);
      last = null;
      continue;
    }
    if (ch === ')') {
      const inner = frames.pop()!;
      const parent = frames[frames.length - 1]!;
      if (inner.hasVariable) parent.hasVariable = true;
      last = { group: true, innerVariable: inner.hasVariable };
      i += 1;
      continue;
    }
    if (ch === '|') {
      frames[frames.length - 1]!.hasVariable = true;
      last = null;
      i += 1;
      continue;
    }
    const quantifier = readQuantifier(p, i);
    if (quantifier) {
      if (quantifier.min > MAX_COUNT || (quantifier.max !== null && quantifier.max > MAX_COUNT)) {
        return `repetition counts over ${MAX_COUNT} are not allowed`;
      }
      const repeats = quantifier.max === null || quantifier.max > 1;
      const variable = quantifier.max !== quantifier.min;
      if (last?.group && last.innerVariable && repeats) {
        return 'nested quantifiers are not allowed: a repeated group may not contain *, +, ?, {n,m} or |';
      }
      if (quantifier.max === null && ++unbounded > 1) {
        return 'at most one unbounded quantifier (*, + or {n,}) is allowed; bound the others, e.g. \\d{1,10}';
      }
      if (variable) frames[frames.length - 1]!.hasVariable = true;
      i += quantifier.length;
      last = null;
      continue;
    }
    last = { group: false, innerVariable: false };
    i += 1;
  }
  return null;
}

function escapeLength(p: string, i: number): number {
  const next = p[i + 1] ?? '';
  if ((next === 'p' || next === 'P' || next === 'u') && p[i + 2] === '{') {
    const close = p.indexOf('}', i + 3);
    return close < 0 ? 2 : close - i + 1;
  }
  if (next === 'u') return 6;
  if (next === 'x') return 4;
  if (next === 'c') return 3;
  return 2;
}

function classEnd(p: string, start: number): number {
  let i = start + 1;
  while (i < p.length) {
    if (p[i] === '\\') { i += escapeLength(p, i); continue; }
    if (p[i] === ']') return i + 1;
    i += 1;
  }
  return i;
}

function groupPrefixLength(p: string, i: number): number {
  if (p[i + 1] !== '?') return 1;
  if (p[i + 2] === '<' && p[i + 3] !== '=' && p[i + 3] !== '!') {
    const close = p.indexOf('>', i + 3);
    return close < 0 ? 3 : close - i + 1; // named group (?<name>
  }
  if (p[i + 2] === '<') return 4; // (?<= (?<!
  return 3; // (?: (?= (?!
}

function readQuantifier(p: string, i: number): { min: number; max: number | null; length: number } | null {
  const ch = p[i];
  let result: { min: number; max: number | null; length: number } | null = null;
  if (ch === '*') result = { min: 0, max: null, length: 1 };
  else if (ch === '+') result = { min: 1, max: null, length: 1 };
  else if (ch === '?') result = { min: 0, max: 1, length: 1 };
  else if (ch === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i, i + 24));
    if (!m) return null;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? null : Number(m[3]);
    result = { min, max, length: m[0].length };
  }
  if (result && p[i + result.length] === '?') result.length += 1; // lazy: same cost class
  return result;
}

/** Compiled once per pattern; bounded so that many distinct filters cannot grow it without end. */
const CACHE_SIZE = 256;
const cache = new Map<string, RegExp | null>();

/** The compiled pattern, or null when it is invalid or refused (at evaluation: no match). */
export function compiledRegex(pattern: string): RegExp | null {
  const hit = cache.get(pattern);
  if (hit !== undefined) {
    cache.delete(pattern);
    cache.set(pattern, hit); // most recently used last
    return hit;
  }
  const compiled = regexProblem(pattern) === null ? new RegExp(pattern, 'u') : null;
  cache.set(pattern, compiled);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return compiled;
}

/** For tests: how many patterns are held. */
export function regexCacheSize(): number {
  return cache.size;
}
