import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TimelineOut } from '../src/api/types.ts';
import { parseFilterText } from '../src/filter-text.ts';
import { fillBuckets } from '../src/health.ts';
import { hrefOf, parseRoute, type Route } from '../src/routing.ts';
import { themeFrom } from '../src/theme.ts';

test('a portal link can only theme with a hex colour and an http(s) logo, whatever else it carries', () => {
  fc.assert(fc.property(fc.string(), fc.string(), (primary, logo) => {
    const theme = themeFrom(new URLSearchParams({ primary, logo }));
    if (theme.primary !== null) assert.match(theme.primary, /^#([0-9a-f]{3}|[0-9a-f]{6})$/i);
    if (theme.logoUrl !== null) assert.match(theme.logoUrl, /^https?:\/\//);
  }));
  const hostile = themeFrom(new URLSearchParams({ primary: 'red; background: url(//evil)', logo: 'javascript:alert(1)' }));
  assert.deepEqual([hostile.primary, hostile.logoUrl], [null, null]);
  assert.equal(themeFrom(new URLSearchParams({ primary: '0f766e' })).primary, '#0f766e');
});

test('every route survives the trip through its link, whatever the ids contain', () => {
  const id = fc.string({ minLength: 1 });
  const route: fc.Arbitrary<Route> = fc.oneof(
    fc.constant<Route>({ view: 'apps' }),
    fc.constant<Route>({ view: 'event-types' }),
    id.map((appId): Route => ({ view: 'endpoints', appId })),
    id.map((appId): Route => ({ view: 'messages', appId })),
    fc.tuple(id, id).map(([appId, endpointId]): Route => ({ view: 'endpoint', appId, endpointId })),
    fc.tuple(id, id).map(([appId, messageId]): Route => ({ view: 'message', appId, messageId })),
    fc.constant<Route>({ view: 'sources' }),
    id.map((sourceId): Route => ({ view: 'source', sourceId })),
    id.map((sourceId): Route => ({ view: 'source-requests', sourceId })),
    fc.tuple(id, id).map(([sourceId, endpointId]): Route => ({ view: 'source-endpoint', sourceId, endpointId })),
    fc.tuple(id, id).map(([sourceId, requestId]): Route => ({ view: 'source-request', sourceId, requestId })),
  );
  fc.assert(fc.property(route, (original) => assert.deepEqual(parseRoute(hrefOf(original)), original)));
  assert.deepEqual(parseRoute('#token=abc&app=x'), { view: 'apps' }, 'a portal fragment is not a route');
});

test("the health charts get every bucket of the period, and the server's buckets in their places", () => {
  const serverBucket = fc.record({ index: fc.nat(40), success: fc.nat(1000), fail: fc.nat(1000), averageLatencyMs: fc.nat(60_000) });
  fc.assert(fc.property(fc.integer({ min: 1, max: 3600 }), fc.integer({ min: 1, max: 40 }), fc.array(serverBucket, { maxLength: 40 }),
    (bucketSeconds, count, raw) => {
      const since = Date.parse('2026-01-01T00:00:00Z');
      const width = bucketSeconds * 1000;
      const data = [...new Map(raw.filter((bucket) => bucket.index < count).map((bucket) => [bucket.index, bucket])).values()]
        .map(({ index, ...counts }) => ({ ...counts, start: new Date(since + index * width).toISOString(), maxLatencyMs: counts.averageLatencyMs }));
      const timeline: TimelineOut = { since: new Date(since).toISOString(), until: new Date(since + count * width).toISOString(), bucketSeconds, data };
      const buckets = fillBuckets(timeline);
      assert.equal(buckets.length, count);
      assert.equal(buckets.reduce((sum, bucket) => sum + bucket.attempts, 0), data.reduce((sum, bucket) => sum + bucket.success + bucket.fail, 0));
      for (const bucket of buckets) {
        if (bucket.successRate !== null) assert.ok(bucket.successRate >= 0 && bucket.successRate <= 1);
        assert.equal(bucket.end - bucket.start, width);
      }
    }));
});

test('the filter editor sends an empty filter as none, an object as itself, and names anything else as a problem', () => {
  assert.deepEqual(parseFilterText('  \n'), { ok: true, filter: null });
  assert.deepEqual(parseFilterText('{"headers":{"x-github-event":"push"}}'), { ok: true, filter: { headers: { 'x-github-event': 'push' } } });
  for (const text of ['[1]', '"push"', 'null', '42']) {
    const parsed = parseFilterText(text);
    assert.equal(parsed.ok, false, text);
  }
  const broken = parseFilterText('{"body": ');
  assert.ok(!broken.ok && broken.problem.startsWith('Not valid JSON'));
  fc.assert(fc.property(fc.dictionary(fc.constantFrom('body', 'headers', 'query', 'path'), fc.jsonValue()), (filter) => {
    assert.deepEqual(parseFilterText(JSON.stringify(filter)), { ok: true, filter: JSON.parse(JSON.stringify(filter)) });
  }));
});
