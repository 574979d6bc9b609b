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

  describe('over HTTP', () => {
    let herald: TestHerald;
    const call = (path: string, token: string, method = 'GET', json?: unknown) => bearerFetch(herald.url + path, token, method, json);
    before(async () => {
      herald = await startTestHerald({ HERALD_RATE_LIMIT: '5/m', HERALD_INGEST_RATE_LIMIT: '3/m' });
    });
    after(() => herald.stop());

    test('a token over its budget gets 429 with Retry-After, while other tokens and the ingest budget are untouched', async () => {
      const app = (await (await call('/api/v1/app', herald.token, 'POST', { name: 'limited' })).json()) as { id: string };
      const org = (await (await call('/api/v1/auth/token', herald.token, 'POST', { scopes: ['read', 'write'] })).json()) as { token: string };
      for (let i = 0; i < 3; i++) assert.equal((await call('/api/v1/app', herald.token)).status, 200);
      const refused = await call('/api/v1/app', herald.token);
      assert.equal(refused.status, 429);
      assert.equal(Number(refused.headers.get('retry-after')), 12, '5 a minute refills one every 12 s');
      assert.match(refused.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal(((await refused.json()) as { code: string }).code, 'rate_limited');

      assert.equal((await call('/api/v1/app', org.token)).status, 200, 'another token has its own budget');
      for (let i = 0; i < 3; i++) {
        assert.equal((await call(`/api/v1/app/${app.id}/msg`, herald.token, 'POST', { eventType: 'a.b', payload: {} })).status, 202);
      }
      const ingestRefused = await call(`/api/v1/app/${app.id}/msg`, herald.token, 'POST', { eventType: 'a.b', payload: {} });
      assert.equal(ingestRefused.status, 429);
      assert.equal(Number(ingestRefused.headers.get('retry-after')), 20);
      assert.equal((await fetch(`${herald.url}/api/v1/health`)).status, 204, 'public routes are not limited');
    });
  });
});
