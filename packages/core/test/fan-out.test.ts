import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseEndpoints, explainFanOut, matchRequest, payloadFilterOf, storedPayloadFilter, withPayloadFilter, type FanOutEndpoint } from '@herald/core';

const endpoint = (id: string, extra: Partial<FanOutEndpoint> = {}): FanOutEndpoint =>
  ({ id, disabled: false, eventTypes: null, channels: null, ...extra });
const message = (payload: unknown, extra: { eventType?: string; channels?: string[] | null } = {}) => ({
  eventType: extra.eventType ?? 'order.paid',
  channels: extra.channels ?? null,
  payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
});
const chosen = (endpoints: FanOutEndpoint[], msg: ReturnType<typeof message>) => chooseEndpoints(endpoints, msg).map((ep) => ep.id);
const withFilter = (id: string, filter: unknown, extra: Partial<FanOutEndpoint> = {}) =>
  endpoint(id, { filter: storedPayloadFilter(filter), ...extra });

describe('fan-out with payload filters', () => {
  test('an endpoint without a filter gets every message it subscribes to; one with a filter only its matches', () => {
    const endpoints = [endpoint('all'), withFilter('big', { total: { amount: { $gte: 10_000 } } }), withFilter('eu', { region: 'eu' })];
    assert.deepEqual(chosen(endpoints, message({ total: { amount: 25_000 }, region: 'us' })), ['all', 'big']);
    assert.deepEqual(chosen(endpoints, message({ total: { amount: 9_999 }, region: 'eu' })), ['all', 'eu']);
    assert.deepEqual(chosen(endpoints, message({ total: { amount: 10_000 }, region: 'eu' })), ['all', 'big', 'eu']);
  });

  test('a missing field is no match, and a type mismatch is no match rather than a coercion', () => {
    const endpoints = [withFilter('big', { total: { amount: { $gte: 10_000 } } })];
    assert.deepEqual(chosen(endpoints, message({ region: 'eu' })), []);
    assert.deepEqual(chosen(endpoints, message({ total: 'lots' })), []);
    assert.deepEqual(chosen(endpoints, message({ total: { amount: '25000' } })), []);
  });

  test('a payload that is not JSON matches no filter, not even one that asks a field to be absent', () => {
    const endpoints = [endpoint('all'), withFilter('absent', { deleted_at: { $exist: false } }), withFilter('x', { a: 1 })];
    assert.deepEqual(chosen(endpoints, message('{"deleted_at": nul')), ['all']);
    assert.deepEqual(chosen(endpoints, message({ a: 1 })), ['all', 'absent', 'x']);
  });

  test('the filter comes after the subscription: event type, channel and disabled still rule an endpoint out', () => {
    const matchAll = { $exist: true };
    const endpoints = [
      withFilter('typed', matchAll, { eventTypes: ['order.refunded'] }),
      withFilter('channel', matchAll, { channels: ['eu'] }),
      withFilter('disabled', matchAll, { disabled: true }),
      withFilter('open', matchAll),
    ];
    assert.deepEqual(chosen(endpoints, message({ a: 1 })), ['open']);
    assert.deepEqual(chosen(endpoints, message({ a: 1 }, { eventType: 'order.refunded', channels: ['eu'] })), ['typed', 'channel', 'open']);
  });

  test('the payload is parsed once per message, however many endpoints have filters, and not at all when none has', () => {
    const parse = JSON.parse;
    let calls = 0;
    JSON.parse = ((...args: Parameters<typeof parse>) => {
      calls++;
      return parse(...args);
    }) as typeof JSON.parse;
    try {
      const filtered = Array.from({ length: 50 }, (_, i) => withFilter(`f${i}`, { n: { $gte: i } }));
      assert.equal(chosen(filtered, message({ n: 24 })).length, 25);
      assert.equal(calls, 1);
      calls = 0;
      assert.equal(chosen([endpoint('a'), endpoint('b')], message({ n: 24 })).length, 2);
      assert.equal(calls, 0);
    } finally {
      JSON.parse = parse;
    }
  });

  test('the stored form is a request filter, so the inbound router reads an outbound filter as a body filter on the same bytes', () => {
    const filter = { order: { status: { $in: ['paid', 'shipped'] } } };
    const stored = storedPayloadFilter(filter);
    assert.deepEqual(stored, { body: filter });
    assert.deepEqual(payloadFilterOf(stored), filter);
    assert.equal(storedPayloadFilter(null), null);
    assert.equal(payloadFilterOf(null), null);
    const body = { order: { status: 'paid' } };
    assert.deepEqual(matchRequest(stored, { body, headers: {}, query: {}, path: '/' }), { match: true });
    assert.deepEqual(chosen([endpoint('e', { filter: stored })], message(body)), ['e']);
  });

  test('an ingest endpoint\'s request filter, met by a message sent by API, judges the payload as the body and finds no headers', () => {
    const ingest = endpoint('ingest', { filter: { body: { kind: 'push' }, headers: { 'x-github-event': 'push' } } });
    assert.deepEqual(chosen([ingest], message({ kind: 'push' })), []);
    const bodyOnly = endpoint('body-only', { filter: { body: { kind: 'push' } } });
    assert.deepEqual(chosen([bodyOnly], message({ kind: 'push' })), ['body-only']);
  });

  test('hostile payloads: a __proto__ key is an ordinary field and a filter on constructor finds nothing inherited', () => {
    const proto = withFilter('proto', JSON.parse('{"__proto__": {"polluted": true}}'));
    const ctor = withFilter('ctor', { constructor: { $exist: true } });
    assert.deepEqual(chosen([proto, ctor], message('{"__proto__": {"polluted": true}}')), ['proto']);
    assert.deepEqual(chosen([proto, ctor], message({ polluted: true })), []);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
  });
});

describe('explaining a fan-out', () => {
  test('each endpoint is matched, not subscribed, or filtered with the reason naming the field', () => {
    const endpoints = [
      endpoint('open'),
      withFilter('big', { total: { amount: { $gte: 10_000 } } }),
      endpoint('refunds', { eventTypes: ['order.refunded'] }),
    ];
    assert.deepEqual(explainFanOut(endpoints, message({ total: { amount: 500 } })), [
      { endpointId: 'open', outcome: 'matched', reason: null },
      { endpointId: 'big', outcome: 'filtered', reason: 'body.total.amount: expected $gte 10000, got 500' },
      { endpointId: 'refunds', outcome: 'not_subscribed', reason: null },
    ]);
    assert.deepEqual(explainFanOut([endpoints[1]!], message('not json')), [
      { endpointId: 'big', outcome: 'filtered', reason: 'body: the payload is not JSON' },
    ]);
  });
});

describe('editing the payload filter of a stored filter', () => {
  test('only the body section changes: an ingest endpoint\'s headers, query and path conditions stay', () => {
    const ingest = { headers: { 'x-github-event': 'push' }, body: { ref: 'main' } };
    assert.deepEqual(withPayloadFilter(ingest, { ref: 'dev' }), { headers: { 'x-github-event': 'push' }, body: { ref: 'dev' } });
    assert.deepEqual(withPayloadFilter(ingest, null), { headers: { 'x-github-event': 'push' } });
    assert.deepEqual(withPayloadFilter({ body: { a: 1 } }, null), null, 'nothing left: no filter at all');
    assert.deepEqual(withPayloadFilter(null, { a: 1 }), { body: { a: 1 } });
    assert.deepEqual(ingest, { headers: { 'x-github-event': 'push' }, body: { ref: 'main' } }, 'the stored value is not mutated');
  });
});
