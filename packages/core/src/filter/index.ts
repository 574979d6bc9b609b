/**
 * Hookdeck's filter dialect as Herald evaluates it (issue 12; outbound payload filters, issue 13):
 *
 * - a primitive is equality, with no coercion (`2` never matches `"2"`; header and query values are
 *   strings, so a number there is refused when the filter is saved);
 * - an object matches partially; below a missing parent every field is missing;
 * - against an array: a primitive means "contains", an array "contains all", an object with fields
 *   "some element matches it whole"; operators alone see the array itself ($eq exact, $in contains,
 *   $not negates the whole), comparisons and string operators hold if some element satisfies them;
 * - operators `$eq $neq $in $nin $gt $gte $lt $lte $startsWith $endsWith $exist $or $and $not $regex`;
 *   a missing field satisfies none but `$exist: false` and `$not`; `$ref` is not supported;
 * - `$regex`: JavaScript syntax with the `u` flag, at most 256 characters, no nested quantifiers, no
 *   back-references, one unbounded quantifier; tested against strings up to 4,096 characters;
 * - header names are compared lower-cased on both sides; every section of a request filter must match.
 */
export * from './types.ts';
export { validateFilter, validateRequestFilter } from './validate.ts';
export { matchesFilter, matchRequest } from './match.ts';
