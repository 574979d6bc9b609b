import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SharedTokenBuckets, type CreditLease } from '../src/shared-rate-limit.ts';

/** A shared bucket in memory, standing in for the database row; counts its round trips. */
function sharedBucket(startCredit: number) {
  const state = { credit: startCredit, leases: 0, failing: false };
  const lease: CreditLease = async (_key, bucket, want) => {
    state.leases++;
    await new Promise((resolve) => setImmediate(resolve));
    if (state.failing) throw new Error('database unreachable');
    const granted = Math.min(want, Math.floor(state.credit / bucket.perMs) * bucket.perMs);
    state.credit -= granted;
    return { granted, credit: state.credit };
  };
  return { state, lease };
}

test('concurrent requests of one token share a single lease, and most requests cost no round trip', async () => {
  const { state, lease } = sharedBucket(100 * 1_000);
  const buckets = new SharedTokenBuckets({ requests: 100, perMs: 1_000 }, 'management', lease, () => assert.fail('no lease error'));
  const waits = await Promise.all(Array.from({ length: 100 }, () => buckets.take('token', () => 0)));
  assert.deepEqual(waits, Array(100).fill(0), 'the whole budget is granted');
  assert.equal(state.leases, 20, 'one round trip per slice of 5 tokens, not one per request');
  assert.equal(await buckets.take('token', () => 0), 1, 'over the budget: refused, with a wait');
  assert.equal(state.leases, 21);
  assert.equal(await buckets.take('token', () => 5), 1, 'still refused before a token refilled, without asking again');
  assert.equal(state.leases, 21);
});

test('two processes leasing from one shared bucket together grant the budget once', async () => {
  const { lease } = sharedBucket(30 * 60_000);
  const limit = { requests: 30, perMs: 60_000 };
  const processes = [1, 2, 3].map(() => new SharedTokenBuckets(limit, 'management', lease, () => undefined));
  let granted = 0;
  for (let i = 0; i < 90; i++) if ((await processes[i % 3]!.take('token', () => 0)) === 0) granted++;
  assert.equal(granted, 30);
});

test('while the shared bucket cannot be reached, the limit still holds per process', async () => {
  const { state, lease } = sharedBucket(0);
  state.failing = true;
  const errors: unknown[] = [];
  const buckets = new SharedTokenBuckets({ requests: 3, perMs: 60_000 }, 'management', lease, (error) => errors.push(error));
  const waits = [];
  for (let i = 0; i < 4; i++) waits.push(await buckets.take('token', () => 0));
  assert.deepEqual(waits, [0, 0, 0, 20]);
  assert.equal(errors.length, 1, 'the failure is reported, and the database is not asked again for every request');
  state.failing = false;
  state.credit = 3 * 60_000;
  assert.equal(await buckets.take('token', () => 1_000), 0, 'a second later the shared bucket is asked again');
  assert.equal(state.leases, 2);
});
