/**
 * Hookdeck's filter dialect, as Herald evaluates it (issue 12; shared with outbound payload filters,
 * issue 13). A filter is plain JSON: primitives are equality, nested objects match partially, arrays
 * match by containment, and `$`-keys are operators.
 */

/** Where a filter is wrong, e.g. `{ path: "body.total.$gte", message: "unknown operator $gtee" }`. */
export type FilterProblem = { path: string; message: string };

export type FilterSection = 'body' | 'headers' | 'query' | 'path';
export const FILTER_SECTIONS: readonly FilterSection[] = ['body', 'headers', 'query', 'path'];

/** A request filter: every section present must match. */
export interface RequestFilter {
  body?: unknown;
  headers?: unknown;
  query?: unknown;
  path?: unknown;
}

/** What a request filter is evaluated against. Header names may come in any case. */
export interface FilterableRequest {
  body: unknown;
  headers: Record<string, string>;
  query: Record<string, string | string[]>;
  path: string;
}

export type FilterVerdict =
  | { match: true }
  | { match: false; section: FilterSection; reason: string };

export const FILTER_OPERATORS = [
  '$eq', '$neq', '$in', '$nin', '$gt', '$gte', '$lt', '$lte',
  '$startsWith', '$endsWith', '$exist', '$or', '$and', '$not', '$regex',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export function isFilterOperator(key: string): key is FilterOperator {
  return (FILTER_OPERATORS as readonly string[]).includes(key);
}

/**
 * Bounds checked when a filter is saved. A filter is evaluated for every request of a source and
 * every endpoint, in the background router, so its cost must be bounded by what was validated.
 */
export const FILTER_LIMITS = {
  /** Nesting of objects and arrays inside one section. */
  maxDepth: 32,
  /** Objects, arrays and values in one section, counted together. */
  maxNodes: 1_000,
  /** Characters of keys and strings in one section, counted together. */
  maxChars: 64 * 1024,
  /** Alternatives in one `$or` / `$and`. */
  maxAlternatives: 100,
  /** A `$regex` pattern's length. */
  maxPatternLength: 256,
  /**
   * Longest string a `$regex` is tested against; longer strings do not match. A backtracking engine
   * is quadratic on some safe-looking patterns (`.*foo` takes seconds on 64 KiB); at 4 KiB the worst
   * accepted pattern stays in milliseconds.
   */
  maxRegexSubject: 4_096,
} as const;
