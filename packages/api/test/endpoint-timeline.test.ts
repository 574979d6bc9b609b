import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startReceiver, startTestHerald, type Receiver, type TestHerald } from '@herald/testing';

let herald: TestHerald;
let receiver: Receiver;
before(async () => {
  herald = await startTestHerald();
  // The second request fails (and is retried a second later): two successes and one failure in all.
  receiver = await startReceiver((_request, count) => ({ status: count === 2 ? 500 : 200 }));
});
after(async () => {
  await herald.stop();
  await receiver.close();
});

const call = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${herald.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${herald.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

interface Timeline {
  bucketSeconds: number;
  data: Array<{ start: string; success: number; fail: number; averageLatencyMs: number; maxLatencyMs: number }>;
}

test("an endpoint's timeline counts its attempts per bucket by outcome, with latency", async () => {
  const app = (await call('POST', '/app', { name: 'timeline' })).body.id as string;
  const endpoint = (await call('POST', `/app/${app}/endpoint`, { url: receiver.url })).body.id as string;
  for (const id of ['a', 'b']) await call('POST', `/app/${app}/msg`, { eventType: 'order.paid', payload: { id } });
  await receiver.waitFor(3);

  const timeline = await eventually(async () => {
    const answer = (await call('GET', `/app/${app}/endpoint/${endpoint}/stats/timeline?bucket=5m`)).body as unknown as Timeline;
    const total = answer.data.reduce((sum, bucket) => sum + bucket.success + bucket.fail, 0);
    return total === 3 ? answer : undefined;
  }, 10_000, 'three attempts in the timeline');
  assert.equal(timeline.bucketSeconds, 300);
  assert.deepEqual(timeline.data.reduce((sums, bucket) => [sums[0]! + bucket.success, sums[1]! + bucket.fail], [0, 0]), [2, 1]);
  for (const bucket of timeline.data) {
    assert.ok(bucket.maxLatencyMs >= bucket.averageLatencyMs && bucket.averageLatencyMs >= 0);
    assert.ok(Date.parse(bucket.start) <= Date.now());
  }
  const later = await call('GET', `/app/${app}/endpoint/${endpoint}/stats/timeline?since=${new Date(Date.now() + 60_000).toISOString()}&until=${new Date(Date.now() + 120_000).toISOString()}`);
  assert.deepEqual((later.body as unknown as Timeline).data, []);
});

test('a timeline asks for a sensible bucket and range, or gets a 422 saying why', async () => {
  const app = (await call('POST', '/app', { name: 'timeline-bad' })).body.id as string;
  const endpoint = (await call('POST', `/app/${app}/endpoint`, { url: receiver.url })).body.id as string;
  const path = `/app/${app}/endpoint/${endpoint}/stats/timeline`;
  for (const [query, hint] of [['bucket=soon', /bucket/], ['bucket=1s', /at most 500 buckets/], [`since=${new Date().toISOString()}&until=${new Date(Date.now() - 1000).toISOString()}`, /since must be before until/]] as const) {
    const answer = await call('GET', `${path}?${query}`);
    assert.equal(answer.status, 422, query);
    assert.match(JSON.stringify(answer.body), hint);
  }
  assert.equal((await call('GET', `/app/${app}/endpoint/ep_missing/stats/timeline`)).status, 404);
});
