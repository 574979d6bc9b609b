import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bearerFetch, startTestHerald, type TestHerald } from '@herald/testing';
import { TokenBuckets, parseRateLimit } from '../src/rate-limit.ts';

describe('rate limits per token', () => {
  test('limits are written as requests per second, minute or hour, or off', () => {
    assert.deepEqual(parseRateLimit('100/s'), { requests: 100, perMs: 1_000 });
    assert.deepEqual(parseRateLimit('6000 / m'), { requests: 6_000, perMs: 60_000 });
    assert.equal(parseRateLimit('off'), null);
    for (const bad of ['', '0/s', '10/d', 'fast', '-1/s', '1.5/s']) assert.equal(parseRateLimit(bad), undefined, bad);
  });

  test('a bucket grants its size at once, then refills at its rate, and says how long to wait', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 50 }), fc.constantFrom(1_000, 60_000), (requests, perMs) => {
      const buckets = new TokenBuckets({ requests, perMs });
      for (let i = 0; i < requests; i++) assert.equal(buckets.take('a', 0), 0);
      const wait = buckets.take('a', 0);
      assert.equal(wait, Math.max(1, Math.ceil(perMs / requests / 1_000)));
      assert.equal(buckets.take('b', 0), 0, 'another key has its own bucket');
      assert.equal(buckets.take('a', wait * 1_000), 0, 'after the advertised wait a request is granted');
    }));
  });

  // Retry-After is whole seconds rounded up: waiting that long is always enough, and (when more
  // than the 1 s floor) a second less is not. Asked at any moment after the bucket emptied, not
  // only at the instant it did, since over HTTP time has passed by the time a request is refused.
  test('the wait is rounded up to whole seconds, whenever it is asked', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 50 }), fc.constantFrom(1_000, 60_000, 3_600_000), fc.double({ min: 0, max: 1, noNaN: true }),
      (requests, perMs, fraction) => {
        const buckets = new TokenBuckets({ requests, perMs });
        for (let i = 0; i < requests; i++) assert.equal(buckets.take('a', 0), 0);
        const asked = Math.floor((fraction * perMs) / requests * 0.999); // before the next token is whole
        const wait = buckets.take('a', asked);
        assert.ok(wait >= 1, `refused at ${asked} ms, so a wait of at least 1 s (got ${wait})`);
        if (wait > 1) assert.ok(buckets.take('a', asked + (wait - 1) * 1_000) > 0, `${wait - 1} s after ${asked} ms is still too early`);
        assert.equal(buckets.take('a', asked + wait * 1_000), 0, `${wait} s after ${asked} ms a request is granted`);
      },
    ));
  });

  describe('over HTTP', () => {
    let herald: TestHerald;
    const call = (path: string, token: string, method = 'GET', json?: unknown) => bearerFetch(herald.url + path, token, method, json);
    before(async () => {
      herald = await startTestHerald({ HERALD_RATE_LIMIT: '5/m', HERALD_INGEST_RATE_LIMIT: '3/m' });
    });
    after(() => herald.stop());

    // The server's clock runs between the request that emptied a bucket and the refused one, so
    // Retry-After may be a whole second or more under the refill interval (a loaded CI machine
    // took 1.3 s here once). The bound: at most the interval, at least the interval less the time
    // this test has measured since before the bucket's first request, rounded up.
    const assertRetryAfter = (refused: Response, intervalSeconds: number, since: number) => {
      const elapsedSeconds = (performance.now() - since) / 1_000;
      const retryAfter = refused.headers.get('retry-after') ?? '';
      assert.match(retryAfter, /^[1-9]\d*$/, 'Retry-After is a whole number of seconds');
      assert.ok(Number(retryAfter) <= intervalSeconds, `Retry-After ${retryAfter} is at most the ${intervalSeconds} s refill interval`);
      const floor = Math.max(1, Math.ceil(intervalSeconds - elapsedSeconds));
      assert.ok(Number(retryAfter) >= floor, `Retry-After ${retryAfter} is at least ${floor} (${elapsedSeconds.toFixed(2)} s after the bucket's first request)`);
    };

    test('a token over its budget gets 429 with Retry-After, while other tokens and the ingest budget are untouched', async () => {
      const managementSince = performance.now();
      const app = (await (await call('/api/v1/app', herald.token, 'POST', { name: 'limited' })).json()) as { id: string };
      const org = (await (await call('/api/v1/auth/token', herald.token, 'POST', { scopes: ['read', 'write'] })).json()) as { token: string };
      for (let i = 0; i < 3; i++) assert.equal((await call('/api/v1/app', herald.token)).status, 200);
      const refused = await call('/api/v1/app', herald.token);
      assert.equal(refused.status, 429);
      assertRetryAfter(refused, 12, managementSince); // 5 a minute refills one every 12 s
      assert.match(refused.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal(((await refused.json()) as { code: string }).code, 'rate_limited');

      assert.equal((await call('/api/v1/app', org.token)).status, 200, 'another token has its own budget');
      const ingestSince = performance.now();
      for (let i = 0; i < 3; i++) {
        assert.equal((await call(`/api/v1/app/${app.id}/msg`, herald.token, 'POST', { eventType: 'a.b', payload: {} })).status, 202);
      }
      const ingestRefused = await call(`/api/v1/app/${app.id}/msg`, herald.token, 'POST', { eventType: 'a.b', payload: {} });
      assert.equal(ingestRefused.status, 429);
      assertRetryAfter(ingestRefused, 20, ingestSince); // 3 a minute refills one every 20 s
      assert.equal((await fetch(`${herald.url}/api/v1/health`)).status, 204, 'public routes are not limited');
    });
  });
});
