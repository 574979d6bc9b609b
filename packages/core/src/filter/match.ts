import { explain, test, type Miss } from './evaluate.ts';
import type { FilterableRequest, FilterSection, FilterVerdict, RequestFilter } from './types.ts';
import { isPlainObject, type JsonObject } from './values.ts';

export type { FilterableRequest, FilterVerdict, RequestFilter } from './types.ts';

/**
 * One section: does `value` match `filter`? A missing field or a type mismatch is false, never a
 * throw, whatever the document (the router evaluates every request against every endpoint).
 */
export function matchesFilter(filter: unknown, value: unknown): boolean {
  return test(filter, value);
}

/**
 * Every section the filter has must match; the first that does not is named, with the reason. No
 * filter (null, as stored for an endpoint without one) matches everything.
 */
export function matchRequest(filter: RequestFilter | null | undefined, request: FilterableRequest): FilterVerdict {
  if (filter === null || filter === undefined) return { match: true };
  if (!isPlainObject(filter)) return { match: false, section: 'body', reason: 'the filter is not an object of sections (body, headers, query, path)' };
  const sections: Array<[FilterSection, unknown, () => unknown]> = [
    ['body', filter.body, () => request.body],
    ['headers', filter.headers === undefined || filter.headers === null ? filter.headers : lowerCaseHeaderFilter(filter.headers), () => lowerCaseHeaders(request.headers)],
    ['query', filter.query, () => request.query],
    ['path', filter.path, () => request.path],
  ];
  for (const [section, sectionFilter, value] of sections) {
    if (isAbsent(sectionFilter)) continue;
    const sectionValue = value();
    if (test(sectionFilter, sectionValue)) continue;
    const result = explain(sectionFilter, sectionValue);
    // Both passes read the same values with the same rules; a miss always has its explanation.
    return { match: false, section, reason: reasonText(section, result ?? { path: [], reason: 'no match' }) };
  }
  return { match: true };
}

/** An absent, null or `{}` section puts no condition on the request (a body that is not JSON included). */
function isAbsent(sectionFilter: unknown): boolean {
  return sectionFilter === undefined || sectionFilter === null
    || (isPlainObject(sectionFilter) && Object.keys(sectionFilter).length === 0);
}

function reasonText(section: FilterSection, result: Miss): string {
  return `${[section, ...result.path].join('.')}: ${result.reason}`;
}

function lowerCaseHeaders(headers: Record<string, string>): JsonObject {
  // A null prototype: a header named "__proto__" stays an ordinary field.
  const out: JsonObject = Object.create(null);
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

/**
 * Header filters are normalised once per filter object (a router keeps an endpoint's filter and
 * evaluates it for every request). Filters are treated as immutable once evaluated.
 */
const normalised = new WeakMap<object, unknown>();

/**
 * Header names are case-insensitive: the filter's field names are lower-cased, at its top level and
 * inside top-level `$or` / `$and` / `$not` (the levels where a key is a header name). Values keep
 * their case. Two keys that differ only in case are both kept, as an `$and`.
 */
export function lowerCaseHeaderFilter(filter: unknown): unknown {
  if (!isPlainObject(filter)) return filter;
  const cached = normalised.get(filter);
  if (cached !== undefined) return cached;
  const out: JsonObject = Object.create(null);
  const extra: JsonObject[] = [];
  for (const [key, operand] of Object.entries(filter)) {
    if (key === '$or' || key === '$and') {
      out[key] = Array.isArray(operand) ? operand.map(lowerCaseHeaderFilter) : operand;
    } else if (key === '$not') {
      out[key] = lowerCaseHeaderFilter(operand);
    } else if (key.startsWith('$')) {
      out[key] = operand;
    } else {
      const name = key.toLowerCase();
      if (Object.hasOwn(out, name)) {
        const one: JsonObject = Object.create(null);
        one[name] = operand;
        extra.push(one);
      } else {
        out[name] = operand;
      }
    }
  }
  if (extra.length > 0) {
    const and = out.$and;
    out.$and = [...(Array.isArray(and) ? and : and === undefined ? [] : [{ $and: and }]), ...extra];
  }
  normalised.set(filter, out);
  return out;
}
