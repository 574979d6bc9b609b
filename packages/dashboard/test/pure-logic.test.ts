import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AttemptOut } from '../src/api/types.ts';
import { bucketAttempts } from '../src/health.ts';
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
  );
  fc.assert(fc.property(route, (original) => assert.deepEqual(parseRoute(hrefOf(original)), original)));
  assert.deepEqual(parseRoute('#token=abc&app=x'), { view: 'apps' }, 'a portal fragment is not a route');
});

test('health buckets account for every attempt once, with rates between 0 and 1', () => {
  const attempt = fc.record({
    timestamp: fc.integer({ min: 0, max: 10 ** 9 }).map((ms) => new Date(1.7e12 + ms).toISOString()),
    status: fc.constantFrom<0 | 2>(0, 2),
    responseDurationMs: fc.nat(60_000),
  }).map((fields) => fields as AttemptOut);
  fc.assert(fc.property(fc.array(attempt, { maxLength: 300 }), fc.integer({ min: 1, max: 30 }), (attempts, count) => {
    const buckets = bucketAttempts(attempts, count);
    assert.equal(buckets.length, attempts.length === 0 ? 0 : count);
    assert.equal(buckets.reduce((sum, bucket) => sum + bucket.attempts, 0), attempts.length);
    const succeeded = buckets.reduce((sum, bucket) => sum + (bucket.successRate ?? 0) * bucket.attempts, 0);
    assert.equal(Math.round(succeeded), attempts.filter((item) => item.status === 0).length);
  }));
});
