import { regexProblem } from './regex.ts';
import { FILTER_LIMITS, FILTER_OPERATORS, FILTER_SECTIONS, isFilterOperator, type FilterProblem } from './types.ts';
import { isPlainObject, isPrimitive } from './values.ts';

export type { FilterProblem } from './types.ts';

/**
 * One section's filter, checked when it is saved: the first problem, or null. Unknown operators and
 * operands of the wrong type are refused here (a 422 naming them), so that at run time a filter can
 * only ever say "no match".
 */
export function validateFilter(filter: unknown): FilterProblem | null {
  return new Walk().node(filter, '', 0);
}

/** `{ body?, headers?, query?, path? }`; every section present is validated with `validateFilter`. */
export function validateRequestFilter(filter: unknown): FilterProblem | null {
  if (!isPlainObject(filter)) {
    return { path: '', message: 'a filter is an object with optional sections body, headers, query and path' };
  }
  for (const key of Object.keys(filter)) {
    if (!(FILTER_SECTIONS as readonly string[]).includes(key)) {
      return { path: key, message: `unknown section ${JSON.stringify(key)}; expected body, headers, query or path` };
    }
  }
  for (const section of FILTER_SECTIONS) {
    const sectionFilter = filter[section];
    if (sectionFilter === undefined || sectionFilter === null) continue;
    if ((section === 'headers' || section === 'query') && !isPlainObject(sectionFilter)) {
      return { path: section, message: `the ${section} filter is an object of ${section === 'headers' ? 'header names' : 'query parameters'}` };
    }
    const problem = new Walk(section === 'headers' ? 'header values' : section === 'query' ? 'query parameters' : null).node(sectionFilter, section, 0);
    if (problem) return problem;
  }
  return null;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** One traversal with its budget (nodes and characters are counted across the whole section). */
class Walk {
  private nodes = 0;
  private chars = 0;

  /**
   * @param stringsOnly set for headers and query: their values are always strings, and types are
   * never coerced, so `{ "page": 2 }` could never match "?page=2". Refused with the fix, rather than
   * saved as a filter that silently drops everything.
   */
  constructor(private readonly stringsOnly: string | null = null) {}

  private notString(value: unknown, path: string): FilterProblem | null {
    if (this.stringsOnly === null || typeof value === 'string' || !isPrimitive(value)) return null;
    const hint = value === null ? 'use {"$exist": false} for an absent one' : `write ${JSON.stringify(String(value))}`;
    return { path, message: `${this.stringsOnly} are strings: ${hint}` };
  }

  node(value: unknown, path: string, depth: number): FilterProblem | null {
    const budget = this.spend(value, path, depth) ?? this.notString(value, path);
    if (budget) return budget;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const problem = this.node(value[i], `${path}[${i}]`, depth + 1);
        if (problem) return problem;
      }
      return null;
    }
    if (isPlainObject(value)) {
      for (const [key, operand] of Object.entries(value)) {
        this.chars += key.length;
        const problem = key.startsWith('$')
          ? this.operator(key, operand, join(path, key), depth + 1)
          : this.node(operand, join(path, key), depth + 1);
        if (problem) return problem;
      }
    }
    return null;
  }

  /** A literal JSON value (the operand of `$eq` / `$neq`): `$` keys inside are data, not operators. */
  private literal(value: unknown, path: string, depth: number): FilterProblem | null {
    const budget = this.spend(value, path, depth) ?? this.notString(value, path);
    if (budget) return budget;
    const children = Array.isArray(value) ? value.entries() : isPlainObject(value) ? Object.entries(value) : [];
    for (const [key, child] of children) {
      if (typeof key === 'string') this.chars += key.length;
      const problem = this.literal(child, typeof key === 'number' ? `${path}[${key}]` : join(path, key), depth + 1);
      if (problem) return problem;
    }
    return null;
  }

  private spend(value: unknown, path: string, depth: number): FilterProblem | null {
    if (depth > FILTER_LIMITS.maxDepth) return { path, message: `nested deeper than ${FILTER_LIMITS.maxDepth} levels` };
    if (++this.nodes > FILTER_LIMITS.maxNodes) return { path, message: `more than ${FILTER_LIMITS.maxNodes} values in one filter` };
    if (typeof value === 'string') this.chars += value.length;
    if (this.chars > FILTER_LIMITS.maxChars) return { path, message: `more than ${FILTER_LIMITS.maxChars} characters in one filter` };
    if (typeof value === 'number' && !Number.isFinite(value)) return { path, message: 'numbers must be finite' };
    if (!isPrimitive(value) && !Array.isArray(value) && !isPlainObject(value)) return { path, message: 'not a JSON value' };
    return null;
  }

  private operator(op: string, operand: unknown, path: string, depth: number): FilterProblem | null {
    if (!isFilterOperator(op)) return { path, message: unknownOperator(op) };
    const wrong = (message: string): FilterProblem => ({ path, message: `${op} ${message}` });
    switch (op) {
      case '$eq':
      case '$neq':
        return this.literal(operand, path, depth);
      case '$in':
      case '$nin':
        if (typeof operand === 'string') return this.spend(operand, path, depth);
        if (Array.isArray(operand) && operand.every(isPrimitive)) return this.literal(operand, path, depth);
        return wrong('takes a string (contains) or an array of strings, numbers, booleans or null (one of)');
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte':
        if (typeof operand === 'string' || (typeof operand === 'number' && Number.isFinite(operand))) {
          return this.spend(operand, path, depth) ?? this.notString(operand, path);
        }
        return wrong('takes a number or a string');
      case '$startsWith':
      case '$endsWith':
        return typeof operand === 'string' ? this.spend(operand, path, depth) : wrong('takes a string');
      case '$regex': {
        if (typeof operand !== 'string') return wrong('takes a pattern string');
        const problem = regexProblem(operand);
        return problem ? { path, message: `$regex: ${problem}` } : this.spend(operand, path, depth);
      }
      case '$exist':
        return typeof operand === 'boolean' ? this.spend(operand, path, depth) : wrong('takes true or false');
      case '$or':
      case '$and':
        if (!Array.isArray(operand) || operand.length === 0) return wrong('takes a non-empty array of filters');
        if (operand.length > FILTER_LIMITS.maxAlternatives) return wrong(`takes at most ${FILTER_LIMITS.maxAlternatives} filters`);
        return this.node(operand, path, depth);
      case '$not':
        return this.node(operand, path, depth);
    }
  }
}

function unknownOperator(op: string): string {
  if (op === '$ref') return '$ref is not supported; compare with a literal value';
  let near: string | undefined;
  let best = 3;
  for (const known of FILTER_OPERATORS) {
    const distance = editDistance(known.toLowerCase(), op.toLowerCase());
    if (distance < best) [near, best] = [known, distance];
  }
  return `unknown operator ${op}${near ? ` (did you mean ${near}?)` : ''}`;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2 || b.length > 32) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
