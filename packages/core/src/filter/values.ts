/** JSON value helpers for the filter evaluator: no throws, bounded recursion, own properties only. */

export type JsonObject = Record<string, unknown>;

/** An object parsed from JSON (or built with a null prototype): not an array, not a class instance. */
export function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function isPrimitive(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/**
 * A field of a document: own properties only, so that `constructor` or `__proto__` in a filter never
 * reaches Object.prototype (a filter `{ "constructor": { "$exist": true } }` must not match `{}`).
 */
export function field(value: JsonObject, key: string): unknown {
  return Object.hasOwn(value, key) ? value[key] : undefined;
}

const MAX_EQUAL_DEPTH = 256;

/** Structural equality of JSON values; key order does not matter. Past the depth bound: not equal. */
export function deepEqual(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (depth > MAX_EQUAL_DEPTH) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    for (const key of keys) {
      if (!Object.hasOwn(b, key) || !deepEqual(a[key], b[key], depth + 1)) return false;
    }
    return true;
  }
  return false;
}

/** A short, safe rendering of a value for a human reason ("got 50", "got an object"). */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return quote(value);
  if (isPrimitive(value)) return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : `an array of ${value.length}`;
  return 'an object';
}

/** A filter fragment rendered as compact JSON, cut short (filters are bounded, documents may not be). */
export function sketch(value: unknown, room = 80): string {
  const text = sketchAt(value, 0);
  return text.length > room ? `${text.slice(0, room - 1)}…` : text;
}

function sketchAt(value: unknown, depth: number): string {
  if (value === undefined) return 'undefined';
  if (isPrimitive(value)) return typeof value === 'string' ? quote(value) : String(value);
  if (depth > 3) return Array.isArray(value) ? '[…]' : '{…}';
  if (Array.isArray(value)) return `[${value.slice(0, 8).map((v) => sketchAt(v, depth + 1)).join(',')}${value.length > 8 ? ',…' : ''}]`;
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    const shown = entries.slice(0, 8).map(([k, v]) => `${JSON.stringify(k)}:${sketchAt(v, depth + 1)}`);
    return `{${shown.join(',')}${entries.length > 8 ? ',…' : ''}}`;
  }
  return typeof value;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 59)}…` : text);
}
