import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesFilter, matchRequest, type FilterableRequest } from '@herald/core';
import { regexCacheSize } from '../src/filter/regex.ts';

const push: FilterableRequest = {
  body: { ref: 'refs/heads/main', repository: { name: 'herald', topics: ['webhooks', 'typescript'] }, commits: [{ id: 'a1', added: ['README.md'] }] },
  headers: { 'X-GitHub-Event': 'push', 'content-type': 'application/json', 'X-Hub-Signature-256': 'sha256=abc' },
  query: { env: 'prod', tag: ['a', 'b'] },
  path: '/in/tok_123/github',
};

test('the issue\'s example: event == push && repository.name == herald, as headers and body sections', () => {
  const filter = { headers: { 'x-github-event': 'push' }, body: { repository: { name: 'herald' } } };
  assert.deepEqual(matchRequest(filter, push), { match: true });
  assert.deepEqual(matchRequest(filter, { ...push, headers: { 'x-github-event': 'ping' } }), {
    match: false, section: 'headers', reason: 'headers.x-github-event: expected "push", got "ping"',
  });
});

test('header names are compared lower-cased on both sides; header values keep their case', () => {
  for (const name of ['x-github-event', 'X-GitHub-Event', 'X-GITHUB-EVENT']) {
    assert.equal(matchRequest({ headers: { [name]: 'push' } }, push).match, true, name);
  }
  assert.equal(matchRequest({ headers: { 'x-github-event': 'PUSH' } }, push).match, false);
  assert.equal(matchRequest({ headers: { $or: [{ 'X-GitHub-Event': 'ping' }, { 'Content-Type': { $startsWith: 'application/json' } }] } }, push).match, true);
  assert.equal(matchRequest({ headers: { $not: { 'X-Hub-Signature-256': { $exist: true } } } }, push).match, false);
  assert.equal(matchRequest({ headers: { 'X-GitHub-Event': 'push', 'x-github-event': { $startsWith: 'pu' } } }, push).match, true);
  assert.equal(matchRequest({ headers: { 'X-GitHub-Event': 'push', 'x-github-event': 'ping' } }, push).match, false, 'two spellings of one name: both hold');
  assert.equal(matchRequest({ headers: { 'x-missing': { $exist: false } } }, push).match, true);
});

test('query parameters: single values are strings, repeated ones arrays (containment)', () => {
  assert.equal(matchRequest({ query: { env: 'prod' } }, push).match, true);
  assert.equal(matchRequest({ query: { tag: 'b' } }, push).match, true);
  assert.equal(matchRequest({ query: { tag: ['b', 'a'] } }, push).match, true);
  assert.equal(matchRequest({ query: { tag: ['b', 'c'] } }, push).match, false);
  assert.equal(matchRequest({ query: { page: { $exist: true } } }, push).match, false);
  assert.deepEqual(matchRequest({ query: { env: { $in: ['staging', 'dev'] } } }, push), {
    match: false, section: 'query', reason: 'query.env: expected $in ["staging","dev"], got "prod"',
  });
});

test('the path section is matched at its root: a string, or operators', () => {
  assert.equal(matchRequest({ path: '/in/tok_123/github' }, push).match, true);
  assert.equal(matchRequest({ path: { $endsWith: '/github' } }, push).match, true);
  assert.equal(matchRequest({ path: { $regex: '^/in/[^/]+/github$' } }, push).match, true);
  assert.deepEqual(matchRequest({ path: { $startsWith: '/stripe' } }, push), {
    match: false, section: 'path', reason: 'path: expected $startsWith "/stripe", got "/in/tok_123/github"',
  });
});

test('every section must match; the verdict names the first that does not, in the order body, headers, query, path', () => {
  const all = { body: { ref: 'refs/heads/main' }, headers: { 'x-github-event': 'push' }, query: { env: 'prod' }, path: { $in: 'github' } };
  assert.deepEqual(matchRequest(all, push), { match: true });
  assert.equal(matchRequest({ ...all, query: { env: 'dev' } }, push).match === false && (matchRequest({ ...all, query: { env: 'dev' } }, push) as { section: string }).section, 'query');
  const twoMisses = matchRequest({ ...all, body: { ref: 'x' }, path: '/nope' }, push);
  assert.equal(twoMisses.match === false && twoMisses.section, 'body');
});

test('absent, null and empty sections put no condition, even on a body that is not JSON', () => {
  const notJson = { ...push, body: null };
  assert.deepEqual(matchRequest(null, notJson), { match: true }, 'an endpoint without a filter takes everything');
  assert.equal(matchRequest(JSON.parse('"body"'), notJson).match, false, 'a stored filter that is not an object never throws');
  assert.deepEqual(matchRequest({}, notJson), { match: true });
  assert.deepEqual(matchRequest({ body: null, headers: {}, query: undefined }, notJson), { match: true });
  assert.deepEqual(matchRequest({ body: {} }, notJson), { match: true });
  assert.deepEqual(matchRequest({ body: { type: 'push' } }, notJson), { match: false, section: 'body', reason: 'body: expected an object, got null' });
});

test('reasons say where and why, in words a user can act on', () => {
  const reason = (body: unknown) => {
    const verdict = matchRequest({ body }, push);
    return verdict.match ? 'match' : verdict.reason;
  };
  assert.equal(reason({ repository: { owner: 'x' } }), 'body.repository.owner: missing, expected "x"');
  assert.equal(reason({ installation: { id: 5 } }), 'body.installation.id: missing, expected 5');
  assert.equal(reason({ ref: { name: 'main' } }), 'body.ref: expected an object, got "refs/heads/main"');
  assert.equal(reason({ repository: { topics: 'rust' } }), 'body.repository.topics: no element equals "rust"');
  assert.equal(reason({ repository: { topics: ['webhooks', 'go'] } }), 'body.repository.topics: no element matches "go"');
  assert.equal(reason({ commits: { id: 'b2' } }), 'body.commits: no element matches {"id":"b2"}');
  assert.equal(reason({ ref: { $or: ['refs/heads/dev', 'refs/heads/prod'] } }), 'body.ref: none of the 2 alternatives of $or matched "refs/heads/main"');
  assert.equal(reason({ $not: { ref: { $startsWith: 'refs/heads/' } } }), 'body: matched the $not condition {"ref":{"$startsWith":"refs/heads/"}}');
  assert.equal(reason({ repository: { name: { $gt: 5 } } }), 'body.repository.name: expected $gt 5, got "herald"');
  assert.equal(reason({ deleted: { $neq: true } }), 'body.deleted: missing, expected $neq true');
  assert.equal(reason({ ref: { $exist: false } }), 'body.ref: expected it not to exist, got "refs/heads/main"');
});

test('hostile documents: deep nesting, huge strings and odd names give "no match", never a throw', () => {
  const deeplyNested = () => {
    let nested: unknown = 'needle';
    for (let i = 0; i < 100_000; i++) nested = [nested];
    return nested;
  };
  assert.equal(matchesFilter('needle', deeplyNested()), false, 'past the depth bound: no match');
  assert.equal(matchesFilter({ a: { $eq: deeplyNested() } }, { a: deeplyNested() }), false, 'equality past its depth bound: not equal');
  assert.equal(matchesFilter([[['needle']]], [[['needle']]]), true, 'shallow nesting still contains');

  const huge = 'a'.repeat(1 << 20);
  const verdict = matchRequest({ body: { text: { $regex: 'b$' } } }, { ...push, body: { text: huge } });
  assert.deepEqual(verdict, { match: false, section: 'body', reason: 'body.text: $regex is not tested against strings longer than 4096 characters' });
  assert.equal(matchesFilter({ text: { $in: 'aaaa' } }, { text: huge }), true);

  const headers = JSON.parse('{"__proto__": "x", "constructor": "y"}') as Record<string, string>;
  assert.equal(matchRequest({ headers: JSON.parse('{"__proto__": "z"}') }, { ...push, headers }).match, false);
  assert.equal(matchRequest({ headers: JSON.parse('{"__proto__": "x", "Constructor": "y"}') }, { ...push, headers }).match, true);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('a refused pattern is not run even when the filter was never validated', () => {
  // On V8 this pattern takes minutes against 40 a's and a "!"; refused, it is simply no match.
  assert.equal(matchesFilter({ s: { $regex: '^(a+)+$' } }, { s: `${'a'.repeat(40)}!` }), false);
  assert.equal(matchesFilter({ s: { $regex: '(' } }, { s: '(' }), false);
  assert.equal(matchesFilter({ s: { $regex: 5 } }, { s: '5' }), false);
});

test('compiled patterns are cached, and the cache is bounded', () => {
  for (let i = 0; i < 300; i++) matchesFilter({ s: { $regex: `^p${i}$` } }, { s: `p${i}` });
  assert.ok(regexCacheSize() <= 256, `${regexCacheSize()} patterns held`);
  assert.equal(matchesFilter({ s: { $regex: '^p299$' } }, { s: 'p299' }), true);
  assert.equal(matchesFilter({ s: { $regex: '^p0$' } }, { s: 'p0' }), true, 'an evicted pattern compiles again');
});
