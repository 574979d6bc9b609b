import { compiledRegex } from './regex.ts';
import { FILTER_LIMITS } from './types.ts';
import { deepEqual, describe, field, isPlainObject, isPrimitive, sketch, type JsonObject } from './values.ts';

/** Why a value did not match: where (the document path below the section) and what. */
export interface Miss { path: string[]; reason: string }

/**
 * Evaluation runs in two modes. Without `why`, a miss is this one shared value and no text is built:
 * the router evaluates every endpoint's filter for every request, and searches ($or, arrays, $not)
 * discard most misses anyway. With `why`, the one miss that decides the answer carries its path and
 * reason; `explain` is run only once the quick answer is already "no".
 */
const NO: Miss = Object.freeze({ path: Object.freeze([]) as unknown as string[], reason: 'no match' });

/**
 * Recursion is driven by the filter (bounded at validation) and, for containment, by arrays nested in
 * the document, which nothing bounds: a 1 MiB body can nest a hundred thousand arrays. Past this
 * depth the answer is "no match", never a stack overflow.
 */
const MAX_DEPTH = 128;

/** Does the value match? Never throws for JSON input. */
export function test(filter: unknown, value: unknown): boolean {
  return evaluate(filter, value, 0, false) === null;
}

/** null when the value matches; otherwise where and why it does not. */
export function explain(filter: unknown, value: unknown): Miss | null {
  return evaluate(filter, value, 0, true);
}

function miss(reason: string): Miss {
  return { path: [], reason };
}

function evaluate(filter: unknown, value: unknown, depth: number, why: boolean): Miss | null {
  if (depth > MAX_DEPTH) return why ? miss('nested too deeply to evaluate') : NO;
  if (isPrimitive(filter)) return matchPrimitive(filter, value, depth, why);
  if (Array.isArray(filter)) return matchContainsAll(filter, value, depth, why);
  if (isPlainObject(filter)) return matchObject(filter, value, depth, why);
  return why ? miss(`unsupported filter value ${describe(filter)}`) : NO;
}

const holds = (filter: unknown, value: unknown, depth: number) => evaluate(filter, value, depth, false) === null;

/** A primitive is equality; against an array it means "contains". Types are never coerced. */
function matchPrimitive(filter: string | number | boolean | null, value: unknown, depth: number, why: boolean): Miss | null {
  if (value === filter) return null;
  if (Array.isArray(value)) {
    for (const element of value) {
      if (element === filter || (Array.isArray(element) && holds(filter, element, depth + 1))) return null;
    }
    return why ? miss(`no element equals ${sketch(filter)}`) : NO;
  }
  if (!why) return NO;
  return value === undefined ? missing(sketch(filter)) : miss(`expected ${sketch(filter)}, got ${describe(value)}`);
}

function missing(expected: string): Miss {
  return miss(`missing, expected ${expected}`);
}

/** An array is "contains all": every item of the filter matches some element of the value. */
function matchContainsAll(filter: unknown[], value: unknown, depth: number, why: boolean): Miss | null {
  if (!Array.isArray(value)) {
    if (!why) return NO;
    const expected = `an array containing ${sketch(filter)}`;
    return value === undefined ? missing(expected) : miss(`expected ${expected}, got ${describe(value)}`);
  }
  for (const wanted of filter) {
    if (!value.some((element) => holds(wanted, element, depth + 1))) {
      return why ? miss(`no element matches ${sketch(wanted)}`) : NO;
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
function matchObject(filter: JsonObject, value: unknown, depth: number, why: boolean): Miss | null {
  const keys = Object.keys(filter);
  if (keys.length === 0) {
    // `{}` asks for an object (or an array) to be there and says nothing of its content.
    if (isPlainObject(value) || Array.isArray(value)) return null;
    if (!why) return NO;
    return value === undefined ? missing('an object') : miss(`expected an object, got ${describe(value)}`);
  }
  const hasFields = keys.some((key) => !key.startsWith('$'));
  if (hasFields && Array.isArray(value)) {
    for (const element of value) if (holds(filter, element, depth + 1)) return null;
    return why ? miss(`no element matches ${sketch(filter)}`) : NO;
  }
  // Below something that is not an object every field is missing: `{ data: { deleted_at: { $exist:
  // false } } }` holds when there is no `data` at all, as a dotted path would in MongoDB.
  const object = isPlainObject(value) ? value : null;
  for (const key of keys) {
    const operand = filter[key];
    if (key.startsWith('$')) {
      const result = applyOperator(key, operand, value, depth, why);
      if (result) return result;
      continue;
    }
    const result = evaluate(operand, object ? field(object, key) : undefined, depth + 1, why);
    if (!result) continue;
    if (!why) return NO;
    if (object || value === undefined) {
      result.path.unshift(key);
      return result;
    }
    return miss(`expected an object, got ${describe(value)}`);
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

function applyOperator(op: string, operand: unknown, value: unknown, depth: number, why: boolean): Miss | null {
  const outcome = operatorHolds(op, operand, value, depth);
  if (outcome === true) return null;
  if (!why) return NO;
  if (op === '$and' && outcome === false) {
    // The reason of $and is that of its first failing condition, with its own path.
    for (const condition of operand as unknown[]) {
      const result = evaluate(condition, value, depth + 1, true);
      if (result) return result;
    }
  }
  return miss(typeof outcome === 'string' ? outcome : reasonFor(op, operand, value));
}

/** true, false, or (when the operator or its operand cannot apply at all) the reason as text. */
function operatorHolds(op: string, operand: unknown, value: unknown, depth: number): boolean | string {
  switch (op) {
    case '$exist':
      return typeof operand === 'boolean' ? (value !== undefined) === operand : `${op} takes true or false`;
    case '$not':
      return !holds(operand, value, depth + 1);
    case '$or':
      if (!Array.isArray(operand) || operand.length === 0) return `${op} takes a non-empty array`;
      return operand.some((alternative) => holds(alternative, value, depth + 1));
    case '$and':
      if (!Array.isArray(operand) || operand.length === 0) return `${op} takes a non-empty array`;
      return operand.every((condition) => holds(condition, value, depth + 1));
  }
  // Every other operator needs a value: a missing field matches none of them ($neq and $nin included).
  if (value === undefined) return false;
  switch (op) {
    case '$eq':
      return deepEqual(value, operand);
    case '$neq':
      return !deepEqual(value, operand);
    case '$in':
    case '$nin': {
      const found = contains(operand, value);
      return found === null ? `${op} cannot compare ${describe(value)} with ${sketch(operand)}` : found === (op === '$in');
    }
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      const compare = COMPARISONS[op]!;
      return anyScalar(value, (v) => comparable(v, operand) && compare(v as Comparable, operand as Comparable));
    }
    case '$startsWith':
      if (typeof operand !== 'string') return `${op} takes a string`;
      return anyScalar(value, (v) => typeof v === 'string' && v.startsWith(operand));
    case '$endsWith':
      if (typeof operand !== 'string') return `${op} takes a string`;
      return anyScalar(value, (v) => typeof v === 'string' && v.endsWith(operand));
    case '$regex': {
      const regex = typeof operand === 'string' ? compiledRegex(operand) : null;
      if (!regex) return `${op} ${sketch(operand)} is not an allowed pattern`;
      if (anyScalar(value, (v) => typeof v === 'string' && v.length <= FILTER_LIMITS.maxRegexSubject && regex.test(v))) return true;
      if (typeof value === 'string' && value.length > FILTER_LIMITS.maxRegexSubject) {
        return `${op} is not tested against strings longer than ${FILTER_LIMITS.maxRegexSubject} characters`;
      }
      return false;
    }
    default:
      return `unknown operator ${op}`;
  }
}

/** The reason for an operator that applied and did not hold. */
function reasonFor(op: string, operand: unknown, value: unknown): string {
  const expected = `${op} ${sketch(operand)}`;
  switch (op) {
    case '$exist':
      return operand ? 'missing, expected it to exist' : `expected it not to exist, got ${describe(value)}`;
    case '$not':
      return `matched the $not condition ${sketch(operand)}`;
    case '$or':
      return `none of the ${(operand as unknown[]).length} alternatives of $or matched ${value === undefined ? 'a missing value' : describe(value)}`;
    case '$neq':
      return value === undefined ? `missing, expected ${expected}` : `expected ${expected}, got that value`;
    default:
      return value === undefined ? `missing, expected ${expected}` : `expected ${expected}, got ${describe(value)}`;
  }
}

/** A scalar test against a value, or against any element when the value is an array. */
function anyScalar(value: unknown, check: (v: unknown) => boolean): boolean {
  return Array.isArray(value) ? value.some(check) : check(value);
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
