import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FILTER_OPERATORS, matchesFilter, matchRequest, validateFilter } from '@herald/core';
import { explain, test as quickTest } from '../src/filter/evaluate.ts';

/** Own-property writes, so that a generated "__proto__" key stays a key. */
function object(entries: Array<[string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [key, value] of entries) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const escapeRegex = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

/**
 * A filter taken from the document itself: a random subset of its fields and elements, nested, with
 * some leaves restated through operators that hold for them. By the dialect's rules it must match.
 */
function derive(doc: unknown, random: () => number): unknown {
  const chance = (p: number) => random() < p;
  let filter: unknown;
  if (Array.isArray(doc)) {
    filter = doc.filter(() => chance(0.5)).map((element) => derive(element, random));
  } else if (doc !== null && typeof doc === 'object') {
    filter = object(Object.entries(doc).filter(([key]) => !key.startsWith('$') && chance(0.6)).map(([key, value]) => [key, derive(value, random)]));
  } else if (typeof doc === 'string' && chance(0.5)) {
    const cut = Math.floor(random() * (doc.length + 1));
    const options: unknown[] = [{ $startsWith: doc.slice(0, cut) }, { $endsWith: doc.slice(cut) }, { $in: doc.slice(cut, cut + 3) }, { $gte: doc, $lte: doc }];
    if (/^[\x20-\x7e]{0,100}$/.test(doc)) options.push({ $regex: `^${escapeRegex(doc)}$` });
    filter = options[Math.floor(random() * options.length)];
  } else if (typeof doc === 'number' && chance(0.5)) {
    filter = chance(0.5) ? { $gte: doc, $lte: doc } : { $in: [doc, 'other'] };
  } else {
    filter = doc;
  }
  if (chance(0.1)) filter = { $eq: doc };
  else if (chance(0.1)) filter = { $or: [{ $exist: false }, filter] };
  else if (chance(0.1)) filter = { $and: [filter, { $exist: true }] };
  else if (chance(0.05)) filter = { $not: { $not: filter } };
  return filter;
}

/** JSON documents without `$` keys (a `$` key in a document would read as an operator once derived). */
const documents = fc.jsonValue({ maxDepth: 4 }).filter((doc) => !JSON.stringify(doc).includes('"$'));

test('a filter built from a document\'s own fields matches it, and passes validation', () => {
  fc.assert(fc.property(documents, fc.integer(), (doc, seed) => {
    const filter = derive(doc, prng(seed));
    assert.equal(validateFilter(filter), null, JSON.stringify(filter));
    assert.equal(matchesFilter(filter, doc), true, JSON.stringify(filter));
  }), { numRuns: 500 });
});

test('$not of a matching filter does not match, in a section and as a request', () => {
  fc.assert(fc.property(documents, fc.integer(), (doc, seed) => {
    const filter = derive(doc, prng(seed));
    assert.equal(matchesFilter({ $not: filter }, doc), false);
    const verdict = matchRequest({ body: { $not: filter } }, { body: doc, headers: {}, query: {}, path: '/' });
    assert.equal(verdict.match, false);
  }), { numRuns: 300 });
});

test('adding a field the document does not have makes a derived filter miss', () => {
  const objects = documents.filter((doc) => isObject(doc)).map((doc) => doc as Record<string, unknown>);
  fc.assert(fc.property(objects, fc.integer(), (doc, seed) => {
    const filter = object([...Object.entries(derive(doc, prng(seed)) as object), ['__herald_absent__', 1]]);
    if (Object.hasOwn(doc, '__herald_absent__')) return;
    assert.equal(matchesFilter(filter, doc), false);
  }), { numRuns: 200 });
});

// A small shared vocabulary, so that generated filters and documents often meet (and match).
const keys = fc.constantFrom('a', 'b', 'tags', 'items', '__proto__', 'constructor');
const leaves = fc.constantFrom<unknown>('a', 'b', 'ab', '', 1, 2, -1, true, false, null);
const patterns = fc.constantFrom('^a', 'b$', '(a+)+$', '(', '\\d{1,3}', '.*', 'a.*b.*c', '(x|y)*', '\\1');
const { filter: arbitraryFilter } = fc.letrec((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaves,
    fc.jsonValue({ maxDepth: 1 }),
    fc.array(tie('filter'), { maxLength: 3 }),
    fc.dictionary(keys, tie('filter'), { maxKeys: 3 }),
    fc.dictionary(fc.constantFrom(...FILTER_OPERATORS, '$bogus'), tie('operand'), { maxKeys: 2 }),
  ),
  operand: fc.oneof(
    { depthSize: 'small' },
    tie('filter'),
    patterns,
    fc.array(leaves, { maxLength: 3 }),
    fc.array(tie('filter'), { minLength: 1, maxLength: 3 }),
  ),
}));
const { doc: arbitraryDocument } = fc.letrec((tie) => ({
  doc: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaves,
    fc.array(tie('doc'), { maxLength: 4 }),
    fc.dictionary(keys, tie('doc'), { maxKeys: 4 }),
  ),
}));

test('matching never throws, for any filter and document, validated or not', () => {
  let validated = 0;
  fc.assert(fc.property(arbitraryFilter, arbitraryDocument, (filter, doc) => {
    if (validateFilter(filter) === null) validated += 1;
    const matched = matchesFilter(filter, doc);
    assert.equal(typeof matched, 'boolean');
    const verdict = matchRequest({ body: filter, headers: isObject(filter) ? filter : undefined, path: filter }, {
      body: doc, headers: { a: 'x', Tags: 'y' }, query: { a: ['1', '2'] }, path: '/a',
    });
    assert.equal(typeof verdict.match, 'boolean');
    if (!verdict.match) assert.ok(verdict.reason.length > 0);
  }), { numRuns: 2_000 });
  assert.ok(validated > 200, `${validated} of the generated filters were valid: the property exercises valid filters`);
});

test('the quick pass and the explaining pass always agree, and every miss has a reason', () => {
  const seen = { match: 0, miss: 0 };
  fc.assert(fc.property(arbitraryFilter, arbitraryDocument, (filter, doc) => {
    const result = explain(filter, doc);
    assert.equal(quickTest(filter, doc), result === null);
    if (result) assert.ok(result.reason.length > 0 && result.reason !== 'no match', result.reason);
    seen[result ? 'miss' : 'match'] += 1;
  }), { numRuns: 3_000 });
  assert.ok(seen.match > 300 && seen.miss > 300, `both answers are exercised: ${JSON.stringify(seen)}`);
});

test('header names match whatever their case in the filter or the request', () => {
  const names = fc.constantFrom('x-github-event', 'content-type', 'x-request-id');
  const recase = (text: string, mask: number) => [...text].map((c, i) => ((mask >> (i % 30)) & 1 ? c.toUpperCase() : c)).join('');
  fc.assert(fc.property(names, fc.string({ maxLength: 5 }), fc.integer(), fc.integer(), (name, value, maskA, maskB) => {
    const request = { body: null, headers: { [recase(name, maskA)]: value }, query: {}, path: '/' };
    assert.equal(matchRequest({ headers: { [recase(name, maskB)]: value } }, request).match, true);
    assert.equal(matchRequest({ headers: { [recase(name, maskB)]: `${value}!` } }, request).match, false);
  }), { numRuns: 300 });
});

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
