import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesFilter, validateFilter } from '@herald/core';

/**
 * The dialect's reference behaviour as a table: [filter, document, expected].
 * - "sjm": hookdeck/simple-json-match's own test table (src/tests/index.test.ts), the engine behind
 *   Hookdeck's filters. Its `$ref` rows are left out (Herald refuses `$ref`, see filter-validate).
 * - "docs": the examples of Hookdeck's filter documentation (hookdeck.com/docs/filters and the
 *   filter reference of hookdeck/agent-skills).
 * - "herald": where Herald decides what the reference leaves open ($regex, $not, $and, arrays under
 *   operators, missing fields, strict types); each row says what it pins down.
 */
type Row = [filter: unknown, document: unknown, expected: boolean, refused?: 'refused at validation'];

const sjm: Row[] = [
  [{ type: 'created' }, { type: 'created' }, true],
  [{ type: 'created' }, {}, false],
  [{ type: 'created' }, { type: 'updated' }, false],
  [{ type: 'created' }, { type: 1 }, false],
  [{ type: 1 }, { type: 1 }, true],
  [{ count: 1 }, { count: 1, type: 'created' }, true],
  [{ count: 1, type: 'created' }, { count: 1, type: 'created' }, true],
  [{ count: 1, type: 'created' }, { count: 1 }, false],
  [{ count: { $lt: 1 } }, { count: 0 }, true],
  [{ count: { $lt: 1 } }, { count: 2 }, false],
  [{ count: { $eq: 2 } }, { count: 2 }, true],
  [{ count: { $neq: 2 } }, { count: 2 }, false],
  [{ count: { $gt: 1, $lt: 3 } }, { count: 2 }, true],
  [{ title: { $gt: 'b' } }, { title: 'a' }, false],
  [{ title: { $gt: 'b' } }, { title: 'c' }, true],
  [{ type: { $neq: 'created' } }, { type: 'created' }, false],
  [{ type: { $eq: 'created' } }, { type: 'created' }, true],
  [{ type: { something: 'created' } }, { type: { something: 'created' } }, true],
  [{ type: { something: 'updated' } }, { type: { something: 'created' } }, false],
  [{ type: 1 }, { type: { something: 'created' } }, false],
  [{ tags: 'test' }, { tags: ['test', 'other'] }, true],
  [{ tags: 'nope' }, { tags: ['test', 'other'] }, false],
  [{ items: { sku: 'test' } }, { items: [{ sku: 'test' }] }, true],
  [{ items: { sku: '1' } }, { items: [{ sku: 'test' }] }, false],
  [{ items: { inventory: { $lte: 10 } } }, { items: [{ inventory: 9 }, { inventory: 11 }] }, true],
  [{ items: { inventory: { $lte: 10 } } }, { items: [{ inventory: 12 }, { inventory: 11 }] }, false],
  [{ tags: ['test', 'other'] }, { tags: ['test', 'other', 'more'] }, true],
  [{ tags: ['test', 'whatever'] }, { tags: ['test', 'other', 'more'] }, false],
  [{ tags: { $eq: ['test', 'other'] } }, { tags: ['test', 'other'] }, true],
  [{ tags: { $eq: ['test', 'other'] } }, { tags: ['test', 'other', 'more'] }, false],
  [{ exist: true }, { exist: true }, true],
  [{ exist: false }, { exist: true }, false],
  [{ exist: null }, { exist: null }, true],
  [{ exist: false }, { exist: null }, false],
  [{ exist: { $eq: null } }, { exist: null }, true],
  [{ exist: { $neq: null } }, { exist: null }, false],
  ['created', 'created', true],
  [2, 1, false],
  [{ $gte: 5 }, 10, true],
  [true, { test: true }, false],
  [{ test: { $startsWith: 'some' } }, { test: 'some-text' }, true],
  [{ test: { $endsWith: 'some' } }, { test: 'some-text' }, false],
  [{ test: { $endsWith: 'text' } }, { test: 'some-text' }, true],
  [{ test: { something: 'text' } }, { test: 'some-text' }, false],
  [{ test: { $startsWith: 'text' } }, { test: { more: true } }, false],
  [{ test: { $in: 'text' }, id: { $in: [123, 456] } }, { test: 'some-text', id: 123 }, true],
  [{ id: { $in: [123, 456] } }, { id: 123 }, true],
  [{ id: { $nin: [123, 456] } }, { id: 123 }, false],
  [{ test: { $in: 'text' } }, { test: 'some-text' }, true],
  [{ test: { $nin: 'some' } }, { test: 'some-text' }, false],
  [{ tags: { $nin: 'test' } }, { tags: ['test', 'something'] }, false],
  [{ test: { $in: 'text' }, tags: { $in: 'test' } }, { test: 'some-text', tags: ['test', 'something'] }, true],
  // The reference reaches "no match" at run time; Herald refuses the operand when the filter is saved.
  [{ test: { $gt: [1, 2, 3] } }, { test: 1 }, false, 'refused at validation'],
  [{ $or: [{ test: true }] }, { test: true }, true],
  [{ $or: [{ test: false }] }, { test: true }, false],
  [{ test: { $or: [{ something: true }, { something: { $in: 'else' } }] } }, { test: { something: 'else' } }, true],
  [{ test: { $or: [{ something: true }, { something: { $in: 'no' } }] } }, { test: { something: 'else' } }, false],
  [{ $or: [1, 2] }, 1, true],
  [{ $or: [2, 3] }, 1, false],
];

const order = { type: 'order/created', order: { id: 123, items: [{ id: 456, title: 'My product' }] } };
const docs: Row[] = [
  [false, false, true],
  [{ type: 'order/created' }, order, true],
  [{ product: { inventory: 0 } }, { product: { title: 'A product', inventory: 0 } }, true],
  [{ order: { items: { id: 456 } } }, order, true],
  [{ order: { items: { id: 789 } } }, order, false],
  [{ product: { tags: 'gift' } }, { product: { title: 'Gift Card', tags: ['gift', 'something'] } }, true],
  [{ product: { tags: ['gift', 'something'] } }, { product: { tags: ['gift', 'something', 'another'] } }, true],
  ['/webhooks/github', '/webhooks/github', true],
  [{ $in: '/webhooks' }, '/api/webhooks/github', true],
  [{ $not: { $in: '/health' } }, '/health/live', false],
  [{ $not: { $in: '/health' } }, '/webhooks', true],
  [{ order: { total: { $gte: 100 } } }, { order: { total: 250 } }, true],
  [{ order: { total: { $gte: 100 } } }, { order: { total: 99.5 } }, false],
  [{ event_type: { $in: 'order' } }, { event_type: 'new_order' }, true],
  [{ event_type: { $startsWith: 'customer.' } }, { event_type: 'customer.updated' }, true],
  [{ roles: { $in: 'admin' } }, { roles: ['user', 'admin'] }, true],
  [{ tags: { $nin: 'spam' } }, { tags: ['ham'] }, true],
  [{ tags: { $eq: ['gift'] } }, { tags: ['gift', 'card'] }, false],
  [{ tags: { $eq: ['gift'] } }, { tags: ['gift'] }, true],
  [{ metadata: { $exist: true }, deleted_at: { $exist: false } }, { metadata: {} }, true],
  [{ metadata: { $exist: true }, deleted_at: { $exist: false } }, { metadata: {}, deleted_at: '2024-01-01' }, false],
  [{ deleted_at: { $exist: false } }, { deleted_at: null }, false],
  [{ deleted_at: null }, { deleted_at: null }, true],
  [{ callback_url: { $exist: true, $startsWith: 'https://' } }, { callback_url: 'https://example.com/cb' }, true],
  [{ callback_url: { $exist: true, $startsWith: 'https://' } }, { callback_url: 'http://example.com/cb' }, false],
  [{ status: { $or: ['active', 'pending'] } }, { status: 'pending' }, true],
  [{ status: { $or: ['active', 'pending'] } }, { status: 'closed' }, false],
  [{ $or: [{ type: 'order.created' }, { type: 'order.updated' }] }, { type: 'order.updated' }, true],
  [{ amount: { $and: [{ $gte: 100 }, { $lte: 500 }] } }, { amount: 300 }, true],
  [{ amount: { $and: [{ $gte: 100 }, { $lte: 500 }] } }, { amount: 501 }, false],
  [{ amount: { $gte: 100, $lte: 500 } }, { amount: 100 }, true],
  [{ $not: { status: 'deleted' } }, { status: 'deleted' }, false],
  [{ $not: { status: 'deleted' } }, { status: 'active' }, true],
  [{ $not: { event: { subtype: { $or: ['message_changed', 'message_deleted'] } } } }, { event: { type: 'message', subtype: 'message_changed' } }, false],
  [{ $not: { event: { subtype: { $or: ['message_changed', 'message_deleted'] } } } }, { event: { type: 'message' } }, true],
  [
    { event: { type: 'message' }, $not: { $or: [{ event: { subtype: { $or: ['message_changed'] } } }, { team_id: { $or: ['team1', 'team2'] } }] } },
    { event: { type: 'message' }, team_id: 'team3' },
    true,
  ],
  [
    { event: { type: 'message' }, $not: { $or: [{ event: { subtype: { $or: ['message_changed'] } } }, { team_id: { $or: ['team1', 'team2'] } }] } },
    { event: { type: 'message' }, team_id: 'team2' },
    false,
  ],
  [{ event_type: 'order.created', data: { total_amount: { $gte: 1000 } } }, { event_type: 'order.created', data: { total_amount: 1500 } }, true],
  [{ data: { shipping_country: { $or: ['US', 'CA'] } } }, { data: { shipping_country: 'DE' } }, false],
  [{ type: { $in: ['payment_intent.succeeded', 'invoice.paid'] } }, { type: 'invoice.paid' }, true],
  [{ data: { object: { amount: { $gte: 1000 } } } }, { data: { object: { amount: 999 } } }, false],
];

const herald: Row[] = [
  // Strict types: no coercion between strings and numbers, booleans or null.
  [{ count: 1 }, { count: '1' }, false],
  [{ ok: true }, { ok: 'true' }, false],
  [{ count: { $gt: 1 } }, { count: '2' }, false],
  [{ value: null }, {}, false],
  // A missing field matches no value operator, $neq and $nin included; only $exist:false and $not do.
  [{ type: { $neq: 'created' } }, {}, false],
  [{ tags: { $nin: 'spam' } }, {}, false],
  [{ type: { $not: 'created' } }, {}, true],
  [{ a: { b: { c: 1 } } }, { a: 'flat' }, false],
  // Below a missing parent (or a parent that is no object) every field is missing.
  [{ data: { deleted_at: { $exist: false } } }, {}, true],
  [{ data: { deleted_at: { $exist: false } } }, { data: 5 }, true],
  [{ data: { deleted_at: { $exist: false } } }, { data: { deleted_at: null } }, false],
  [{ data: { deleted_at: { $exist: true } } }, {}, false],
  [{ a: { b: 1 } }, { a: null }, false],
  // Operators against arrays: comparisons, prefixes and patterns hold if some element satisfies them.
  [{ scores: { $gt: 5 } }, { scores: [1, 10] }, true],
  [{ scores: { $gt: 50 } }, { scores: [1, 10] }, false],
  [{ refs: { $startsWith: 'refs/tags/' } }, { refs: ['refs/heads/main', 'refs/tags/v1'] }, true],
  [{ ids: { $in: [3, 4] } }, { ids: [1, 2, 3] }, true],
  [{ ids: { $nin: [3, 4] } }, { ids: [1, 2, 3] }, false],
  [{ ids: { $nin: [5] } }, { ids: [1, 2, 3] }, true],
  [{ name: { $in: ['main', 'master'] } }, { name: 'main-2' }, false],
  // Arrays of objects: all the fields must hold in one element.
  [{ items: { sku: 'a', qty: 2 } }, { items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 2 }] }, false],
  [{ items: { sku: 'a', qty: 2 } }, { items: [{ sku: 'b', qty: 1 }, { sku: 'a', qty: 2 }] }, true],
  [{ items: { sku: 'a', $not: { qty: 0 } } }, { items: [{ sku: 'a', qty: 0 }, { sku: 'b', qty: 1 }] }, false],
  [{ items: { sku: 'a', $not: { qty: 0 } } }, { items: [{ sku: 'a', qty: 0 }, { sku: 'a', qty: 3 }] }, true],
  [{ items: { sku: 'a', $or: [{ qty: 1 }, { qty: 2 }] } }, { items: [{ sku: 'a', qty: 3 }, { sku: 'b', qty: 2 }] }, false],
  // Operators alone see the array itself.
  [{ tags: { $not: 'spam' } }, { tags: ['ham', 'spam'] }, false],
  [{ tags: { $not: 'spam' } }, { tags: ['ham'] }, true],
  [{ tags: { $or: [['a', 'b'], 'c'] } }, { tags: ['b', 'a'] }, true],
  [{ items: [{ sku: 'a' }, { sku: 'b' }] }, { items: [{ sku: 'b' }, { sku: 'c' }, { sku: 'a' }] }, true],
  [{ items: [{ sku: 'a' }, { sku: 'd' }] }, { items: [{ sku: 'b' }, { sku: 'a' }] }, false],
  [{ tags: ['a'] }, { tags: 'a' }, false],
  [[], [], true],
  [{ tags: 'a' }, { tags: [['a', 'b'], ['c']] }, true],
  // Deep equality ignores key order.
  [{ meta: { $eq: { a: 1, b: [1, { c: 2 }] } } }, { meta: { b: [1, { c: 2 }], a: 1 } }, true],
  [{ meta: { $eq: { a: 1 } } }, { meta: { a: 1, b: 2 } }, false],
  [{ meta: { $neq: { a: 1 } } }, { meta: { a: 2 } }, true],
  // $eq's operand is data: a "$gt" key inside it is compared, not applied.
  [{ x: { $eq: { $gt: 1 } } }, { x: { $gt: 1 } }, true],
  // $regex: JavaScript syntax with the u flag, unanchored unless anchored.
  [{ ref: { $regex: '^refs/heads/(main|release-\\d{1,4})$' } }, { ref: 'refs/heads/release-12' }, true],
  [{ ref: { $regex: '^refs/heads/(main|release-\\d{1,4})$' } }, { ref: 'refs/heads/feature' }, false],
  [{ email: { $regex: '@example\\.com$' } }, { email: 'ops@example.com' }, true],
  [{ email: { $regex: '@example\\.com$' } }, { email: 'ops@example.company' }, false],
  [{ n: { $regex: '1' } }, { n: 1 }, false],
  [{ labels: { $regex: '^bug' } }, { labels: ['feature', 'bug-critical'] }, true],
  // $and / $or / $not compose at any level.
  [{ $and: [{ a: 1 }, { b: 2 }] }, { a: 1, b: 2 }, true],
  [{ $and: [{ a: 1 }, { b: 2 }] }, { a: 1, b: 3 }, false],
  [{ $or: [{ a: { $exist: false } }, { a: null }] }, {}, true],
  [{ $not: { $not: { a: 1 } } }, { a: 1 }, true],
  [{ a: { $not: { $gt: 5 } } }, { a: 3 }, true],
  // `{}` asks for an object to be there.
  [{ data: {} }, { data: { any: 1 } }, true],
  [{ data: {} }, { data: 1 }, false],
  [{ data: {} }, {}, false],
  // Fields are own properties only: nothing reaches Object.prototype.
  [{ constructor: { $exist: true } }, {}, false],
  [{ toString: { $exist: false } }, {}, true],
  [JSON.parse('{"__proto__": {"polluted": true}}'), JSON.parse('{"__proto__": {"polluted": true}}'), true],
  [JSON.parse('{"__proto__": {"polluted": true}}'), {}, false],
];

const table: Array<[string, Row]> = [
  ...sjm.map((row): [string, Row] => ['sjm', row]),
  ...docs.map((row): [string, Row] => ['docs', row]),
  ...herald.map((row): [string, Row] => ['herald', row]),
];

test('the table holds at least 80 cases from the reference behaviour', () => {
  assert.ok(sjm.length + docs.length >= 80, `${sjm.length + docs.length} reference cases`);
});

for (const [origin, [filter, document, expected, refused]] of table) {
  test(`${origin}: ${JSON.stringify(filter)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(document)}`, () => {
    if (refused) assert.notEqual(validateFilter(filter), null, refused);
    else assert.equal(validateFilter(filter), null, 'the filter is valid');
    assert.equal(matchesFilter(filter, document), expected);
  });
}
