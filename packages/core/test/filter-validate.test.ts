import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FILTER_LIMITS, matchesFilter, validateFilter, validateRequestFilter } from '@herald/core';

/** [filter (one section), path of the problem, words the message must hold]. */
const refused: Array<[unknown, string, string]> = [
  [{ total: { $gtee: 5 } }, 'total.$gtee', 'unknown operator $gtee (did you mean $gte?)'],
  [{ type: { $startswith: 'a' } }, 'type.$startswith', 'did you mean $startsWith?'],
  [{ a: { $exists: true } }, 'a.$exists', 'did you mean $exist?'],
  [{ a: { $ne: 1 } }, 'a.$ne', 'unknown operator $ne'],
  [{ $nor: [{ a: 1 }] }, '$nor', 'unknown operator $nor'],
  [{ a: { $ref: 'b' } }, 'a.$ref', '$ref is not supported'],
  [{ a: { $in: { x: 1 } } }, 'a.$in', '$in takes a string'],
  [{ a: { $nin: 5 } }, 'a.$nin', '$nin takes a string'],
  [{ a: { $in: [{ x: 1 }] } }, 'a.$in', '$in takes'],
  [{ a: { $gt: true } }, 'a.$gt', '$gt takes a number or a string'],
  [{ a: { $gte: null } }, 'a.$gte', '$gte takes a number or a string'],
  [{ a: { $lt: [1] } }, 'a.$lt', '$lt takes a number or a string'],
  [{ a: { $lte: {} } }, 'a.$lte', '$lte takes a number or a string'],
  [{ a: { $startsWith: 1 } }, 'a.$startsWith', '$startsWith takes a string'],
  [{ a: { $endsWith: ['x'] } }, 'a.$endsWith', '$endsWith takes a string'],
  [{ a: { $exist: 'yes' } }, 'a.$exist', '$exist takes true or false'],
  [{ $or: { a: 1 } }, '$or', '$or takes a non-empty array'],
  [{ $or: [] }, '$or', '$or takes a non-empty array'],
  [{ $and: 'a' }, '$and', '$and takes a non-empty array'],
  [{ $or: [{ a: 1 }, { b: { $bad: 1 } }] }, '$or[1].b.$bad', 'unknown operator $bad'],
  [{ $not: { a: { $regex: 1 } } }, '$not.a.$regex', '$regex takes a pattern string'],
  [{ a: { $regex: '(' } }, 'a.$regex', 'invalid pattern'],
  [{ a: { $regex: '[z-a]' } }, 'a.$regex', 'invalid pattern'],
  [{ a: { $regex: 'a{' } }, 'a.$regex', 'invalid pattern'],
  [{ a: { $regex: 'x'.repeat(257) } }, 'a.$regex', 'longer than 256'],
  [{ a: { $regex: '(a+)+$' } }, 'a.$regex', 'nested quantifiers'],
  [{ a: { $regex: '(a*)*' } }, 'a.$regex', 'nested quantifiers'],
  [{ a: { $regex: '(x+y)+z' } }, 'a.$regex', 'nested quantifiers'],
  [{ a: { $regex: '((ab)?c)+' } }, 'a.$regex', 'nested quantifiers'],
  [{ a: { $regex: '(a|a)*b' } }, 'a.$regex', 'nested quantifiers'],
  [{ a: { $regex: '(?:\\d{1,3}\\.?){4}' } }, 'a.$regex', 'nested quantifiers'],
  [{ a: { $regex: '(?<word>\\w+)+!' } }, 'a.$regex', 'nested quantifiers'],
  [{ a: { $regex: '(a)\\1' } }, 'a.$regex', 'back-references'],
  [{ a: { $regex: '(?<x>a)\\k<x>' } }, 'a.$regex', 'back-references'],
  [{ a: { $regex: 'a.*b.*c' } }, 'a.$regex', 'at most one unbounded quantifier'],
  [{ a: { $regex: '\\w+\\w+x' } }, 'a.$regex', 'at most one unbounded quantifier'],
  [{ a: { $regex: 'a{2,}b+' } }, 'a.$regex', 'at most one unbounded quantifier'],
  [{ a: { $regex: 'a{1,5000}' } }, 'a.$regex', 'over 1000'],
  [{ a: Number.NaN }, 'a', 'finite'],
  [{ a: undefined }, 'a', 'not a JSON value'],
  [{ a: new Date(0) }, 'a', 'not a JSON value'],
];

for (const [filter, path, words] of refused) {
  test(`refused: ${JSON.stringify(filter)} at ${path} (${words})`, () => {
    const problem = validateFilter(filter);
    assert.ok(problem, 'a problem is reported');
    assert.equal(problem.path, path);
    assert.ok(problem.message.includes(words), `"${problem.message}" says "${words}"`);
    // Saved or not, an invalid filter never throws at run time: it does not match.
    assert.doesNotThrow(() => matchesFilter(filter, { a: 'aaaa', total: 3, type: 'x', b: 1 }));
  });
}

const accepted: unknown[] = [
  'exact',
  42,
  null,
  [],
  {},
  { a: { $regex: '^refs/heads/(main|release-\\d{1,4})$' } },
  { a: { $regex: '^[a-z]+\\.(created|updated)$' } },
  { a: { $regex: '(ab)+' } },
  { a: { $regex: '(a+)?b' } },
  { a: { $regex: '(?:\\d{3}-){2}\\d{4}' } },
  { a: { $regex: '\\p{L}+' } },
  { a: { $regex: '[(+*]+' } },
  { a: { $regex: '\\(a?\\)+' } },
  { a: { $in: [] } },
  { a: { $in: ['x', 1, true, null] } },
  { a: { $eq: { $anything: [1, { $goes: true }] } } },
  { a: { $gt: '2024-01-01T00:00:00Z' } },
];

for (const filter of accepted) {
  test(`accepted: ${JSON.stringify(filter)}`, () => {
    assert.equal(validateFilter(filter), null);
  });
}

test('depth, size and length are bounded when a filter is saved', () => {
  let deep: unknown = 1;
  for (let i = 0; i <= FILTER_LIMITS.maxDepth; i++) deep = { a: deep };
  assert.match(validateFilter(deep)?.message ?? '', /nested deeper than 32/);

  const wide = Object.fromEntries(Array.from({ length: FILTER_LIMITS.maxNodes }, (_, i) => [`k${i}`, i]));
  assert.match(validateFilter(wide)?.message ?? '', /more than 1000 values/);

  const long = { a: 'x'.repeat(FILTER_LIMITS.maxChars) , b: 'y' };
  assert.match(validateFilter(long)?.message ?? '', /characters/);

  const alternatives = { $or: Array.from({ length: FILTER_LIMITS.maxAlternatives + 1 }, (_, i) => ({ a: i })) };
  assert.match(validateFilter(alternatives)?.message ?? '', /at most 100/);

  let justDeepEnough: unknown = 1;
  for (let i = 0; i < FILTER_LIMITS.maxDepth; i++) justDeepEnough = { a: justDeepEnough };
  assert.equal(validateFilter(justDeepEnough), null);
});

test('request filters: sections named, unknown sections refused, problems prefixed with the section', () => {
  assert.equal(validateRequestFilter({}), null);
  assert.equal(validateRequestFilter({ body: { type: 'push' }, headers: { 'X-GitHub-Event': 'push' }, query: { page: '1' }, path: { $startsWith: '/gh' } }), null);
  assert.equal(validateRequestFilter({ body: null, headers: null }), null);
  assert.deepEqual(validateRequestFilter({ body: { total: { $gtee: 5 } } }), { path: 'body.total.$gtee', message: 'unknown operator $gtee (did you mean $gte?)' });
  assert.deepEqual(validateRequestFilter({ path: { $regex: '(a+)+' } })?.path, 'path.$regex');
  assert.equal(validateRequestFilter({ header: { a: 1 } })?.path, 'header');
  assert.match(validateRequestFilter({ header: { a: 1 } })?.message ?? '', /unknown section "header"; expected body, headers, query or path/);
  assert.equal(validateRequestFilter({ headers: 'push' })?.path, 'headers');
  assert.equal(validateRequestFilter({ query: ['a'] })?.path, 'query');
  assert.equal(validateRequestFilter([])?.path, '');
  assert.equal(validateRequestFilter('body')?.path, '');
  assert.equal(validateRequestFilter({ $or: [{ body: 1 }] })?.path, '$or');
});

test('header and query filters refuse values that are not strings, since they could never match', () => {
  assert.deepEqual(validateRequestFilter({ query: { page: 2 } }), { path: 'query.page', message: 'query parameters are strings: write "2"' });
  assert.deepEqual(validateRequestFilter({ headers: { 'x-retry': { $gte: 1 } } }), { path: 'headers.x-retry.$gte', message: 'header values are strings: write "1"' });
  assert.deepEqual(validateRequestFilter({ headers: { 'x-flag': { $eq: true } } }), { path: 'headers.x-flag.$eq', message: 'header values are strings: write "true"' });
  assert.deepEqual(validateRequestFilter({ query: { id: { $in: ['a', 3] } } }), { path: 'query.id.$in[1]', message: 'query parameters are strings: write "3"' });
  assert.deepEqual(validateRequestFilter({ headers: { $or: [{ 'x-a': null }] } }), { path: 'headers.$or[0].x-a', message: 'header values are strings: use {"$exist": false} for an absent one' });
  assert.equal(validateRequestFilter({ headers: { 'x-a': { $exist: true }, 'x-b': { $in: ['1', '2'] } }, query: { page: { $gte: '2' }, tag: ['a', 'b'] } }), null);
  assert.equal(validateRequestFilter({ body: { page: 2 } }), null, 'the body keeps its JSON types');
});
