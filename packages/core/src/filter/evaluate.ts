import { compiledRegex } from './regex.ts';
import { FILTER_LIMITS } from './types.ts';
import { deepEqual, describe, field, isPlainObject, isPrimitive, sketch, type JsonObject } from './values.ts';

/** Why a value did not match: where (the document path below the section) and what. */
export interface Miss { path: string[]; reason: string }

/**
 * Recursion is driven by the filter (bounded at validation) and, for containment, by arrays nested in
 * the document, which nothing bounds: a 1 MiB body can nest a hundred thousand arrays. Past this
 * depth the answer is "no match", never a stack overflow.
 */
const MAX_DEPTH = 128;

const miss = (reason: string): Miss => ({ path: [], reason });
const missing = (expected: string): Miss => miss(`missing, expected ${expected}`);

/** null: the value matches the filter. Never throws for JSON input. */
export function evaluate(filter: unknown, value: unknown, depth = 0): Miss | null {
  if (depth > MAX_DEPTH) return miss('nested too deeply to evaluate');
  if (isPrimitive(filter)) return matchPrimitive(filter, value, depth);
  if (Array.isArray(filter)) return matchContainsAll(filter, value, depth);
  if (isPlainObject(filter)) return matchObject(filter, value, depth);
  return miss(`unsupported filter value ${describe(filter)}`);
}

/** A primitive is equality; against an array it means "contains". Types are never coerced. */
function matchPrimitive(filter: string | number | boolean | null, value: unknown, depth: number): Miss | null {
  if (value === filter) return null;
  const expected = sketch(filter);
  if (value === undefined) return missing(expected);
  if (Array.isArray(value)) {
    for (const element of value) {
      if (element === filter || (Array.isArray(element) && evaluate(filter, element, depth + 1) === null)) return null;
    }
    return miss(`no element equals ${expected}`);
  }
  return miss(`expected ${expected}, got ${describe(value)}`);
}

/** An array is "contains all": every item of the filter matches some element of the value. */
function matchContainsAll(filter: unknown[], value: unknown, depth: number): Miss | null {
  if (!Array.isArray(value)) {
    const expected = `an array containing ${sketch(filter)}`;
    return value === undefined ? missing(expected) : miss(`expected ${expected}, got ${describe(value)}`);
  }
  for (const wanted of filter) {
    if (!value.some((element) => evaluate(wanted, element, depth + 1) === null)) {
      return miss(`no element matches ${sketch(wanted)}`);
    }
  }
  return null;
}

/**
 * An object: its `$` keys are operators on the value itself, its other keys are fields, matched
 * partially. With fields, against an array, the whole object must hold for one element (`{ items:
 * { sku: "a", $not: { qty: 0 } } }` finds one item); with operators only, the operators see the array
 * itself (`{ tags: { $not: "spam" } }`: no element is "spam"; `{ tags: { $eq: [...] } }`: exactly).
 */
function matchObject(filter: JsonObject, value: unknown, depth: number): Miss | null {
  const keys = Object.keys(filter);
  const hasFields = keys.some((key) => !key.startsWith('$'));
  if (keys.length === 0 || (hasFields && !isPlainObject(value))) {
    // `{}` asks for an object (or an array) to be there and says nothing of its content.
    if (value === undefined) return missing('an object');
    if (Array.isArray(value)) {
      if (keys.length === 0) return null;
      for (const element of value) if (evaluate(filter, element, depth + 1) === null) return null;
      return miss(`no element matches ${sketch(filter)}`);
    }
    if (!isPlainObject(value)) return miss(`expected an object, got ${describe(value)}`);
  }
  for (const key of keys) {
    const operand = filter[key];
    if (key.startsWith('$')) {
      const result = applyOperator(key, operand, value, depth);
      if (result) return result;
      continue;
    }
    const result = evaluate(operand, field(value as JsonObject, key), depth + 1);
    if (result) {
      result.path.unshift(key);
      return result;
    }
  }
  return null;
}

type Comparable = number | string;

function comparable(a: unknown, b: unknown): boolean {
  return (typeof a === 'number' && typeof b === 'number' && Number.isFinite(a) && Number.isFinite(b))
    || (typeof a === 'string' && typeof b === 'string');
}

const COMPARISONS: Record<string, (a: Comparable, b: Comparable) => boolean> = {
  $gt: (a, b) => a > b,
  $gte: (a, b) => a >= b,
  $lt: (a, b) => a < b,
  $lte: (a, b) => a <= b,
};

function applyOperator(op: string, operand: unknown, value: unknown, depth: number): Miss | null {
  const expected = `${op} ${sketch(operand)}`;
  switch (op) {
    case '$exist': {
      if (typeof operand !== 'boolean') return miss(`${op} takes true or false`);
      if ((value !== undefined) === operand) return null;
      return miss(operand ? 'missing, expected it to exist' : `expected it not to exist, got ${describe(value)}`);
    }
    case '$not': {
      if (evaluate(operand, value, depth + 1) !== null) return null;
      return miss(`matched the $not condition ${sketch(operand)}`);
    }
    case '$or': {
      if (!Array.isArray(operand) || operand.length === 0) return miss(`${op} takes a non-empty array`);
      for (const alternative of operand) if (evaluate(alternative, value, depth + 1) === null) return null;
      return miss(`none of the ${operand.length} alternatives of $or matched ${value === undefined ? 'a missing value' : describe(value)}`);
    }
    case '$and': {
      if (!Array.isArray(operand) || operand.length === 0) return miss(`${op} takes a non-empty array`);
      for (const condition of operand) {
        const result = evaluate(condition, value, depth + 1);
        if (result) return result;
      }
      return null;
    }
  }
  // Every other operator needs a value: a missing field matches none of them ($neq and $nin included).
  if (value === undefined) return missing(expected);
  switch (op) {
    case '$eq':
      return deepEqual(value, operand) ? null : miss(`expected ${expected}, got ${describe(value)}`);
    case '$neq':
      return deepEqual(value, operand) ? miss(`expected ${expected}, got that value`) : null;
    case '$in':
    case '$nin': {
      const found = contains(operand, value);
      if (found === null) return miss(`${op} cannot compare ${describe(value)} with ${sketch(operand)}`);
      return found === (op === '$in') ? null : miss(`expected ${expected}, got ${describe(value)}`);
    }
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      const compare = COMPARISONS[op]!;
      const test = (v: unknown) => comparable(v, operand) && compare(v as Comparable, operand as Comparable);
      return anyScalar(value, test) ? null : miss(`expected ${expected}, got ${describe(value)}`);
    }
    case '$startsWith':
    case '$endsWith': {
      if (typeof operand !== 'string') return miss(`${op} takes a string`);
      const test = (v: unknown) => typeof v === 'string' && (op === '$startsWith' ? v.startsWith(operand) : v.endsWith(operand));
      return anyScalar(value, test) ? null : miss(`expected ${expected}, got ${describe(value)}`);
    }
    case '$regex': {
      const regex = typeof operand === 'string' ? compiledRegex(operand) : null;
      if (!regex) return miss(`${op} ${sketch(operand)} is not an allowed pattern`);
      const test = (v: unknown) => typeof v === 'string' && v.length <= FILTER_LIMITS.maxRegexSubject && regex.test(v);
      if (anyScalar(value, test)) return null;
      if (typeof value === 'string' && value.length > FILTER_LIMITS.maxRegexSubject) {
        return miss(`${op} is not tested against strings longer than ${FILTER_LIMITS.maxRegexSubject} characters`);
      }
      return miss(`expected ${expected}, got ${describe(value)}`);
    }
    default:
      return miss(`unknown operator ${op}`);
  }
}

/** A scalar test against a value, or against any element when the value is an array. */
function anyScalar(value: unknown, test: (v: unknown) => boolean): boolean {
  return Array.isArray(value) ? value.some(test) : test(value);
}

/**
 * `$in` / `$nin`: a string operand is a substring of a string value or an element of an array value;
 * an array operand is a list the value (or one of its elements) belongs to. null: the types do not
 * compare, so neither `$in` nor `$nin` matches.
 */
function contains(operand: unknown, value: unknown): boolean | null {
  if (Array.isArray(operand)) {
    if (isPrimitive(value)) return operand.some((item) => item === value);
    if (Array.isArray(value)) return value.some((element) => operand.some((item) => deepEqual(item, element)));
    return null;
  }
  if (typeof operand === 'string' && typeof value === 'string') return value.includes(operand);
  if (isPrimitive(operand) && Array.isArray(value)) return value.some((element) => element === operand);
  return null;
}
