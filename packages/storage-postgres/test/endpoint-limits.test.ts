import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageStatus, newId } from '@herald/core';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { PostgresStore } from '../src/postgres-store.ts';

const database = await postgresTestDatabase();
const T0 = 1_700_000_000_000;
const LEASE = 60_000;

if (database) {
  /** Two stores on one schema stand for two worker processes; an app with one endpoint and `count` messages. */
  const setUp = async (count: number, options: { concurrency?: number; throttleRate?: number }) => {
    const schema = await database.createSchema();
    const open = () => new PostgresStore({ connectionString: database.url, schema, poolSize: 2, endpointConcurrency: options.concurrency ?? null });
    const [first, second] = [open(), open()];
    await first.migrate();
    const app = await first.createApplication({ id: newId('app'), uid: null, name: 'a', throttleRate: null, metadata: {} }, T0);
    const endpoint = await first.createEndpoint({
      id: newId('ep'), appId: app.id, uid: null, url: 'https://example.com', description: '', disabled: false, eventTypes: null,
      channels: null, headers: {}, throttleRate: options.throttleRate ?? null, metadata: {}, version: 1, secret: 'whsec_' + 'A'.repeat(32),
    }, T0);
    for (let i = 0; i < count; i++) {
      const message = { id: newId('msg', T0), appId: app.id, eventType: 'e', eventId: null, channels: null, tags: null, payload: '{}', createdAt: T0 };
      await first.createMessages([{ message, endpointIds: [endpoint.id] }], T0);
    }
    return {
      first, second,
      async tearDown() {
        await Promise.all([first.close(), second.close()]);
        await database.dropSchema(schema);
      },
    };
  };

  test('HERALD_ENDPOINT_CONCURRENCY caps one endpoint in-flight deliveries across workers claiming at once', async () => {
    const { first, second, tearDown } = await setUp(20, { concurrency: 3 });
    try {
      const [a, b] = await Promise.all([first.claimDeliveries(10, LEASE, T0), second.claimDeliveries(10, LEASE, T0)]);
      assert.ok(a.length + b.length <= 3, `at most 3 in flight together (got ${a.length} + ${b.length})`);
      const more = await Promise.all([first.claimDeliveries(10, LEASE, T0 + 1_000), second.claimDeliveries(10, LEASE, T0 + 1_000)]);
      const inFlight = [...a, ...b];
      assert.equal(inFlight.length + more[0].length + more[1].length, 3, 'the cap is reached, not exceeded');
      inFlight.push(...more[0], ...more[1]);
      const done = inFlight.slice(0, 2);
      await first.recordResults(done.map((c) => ({ deliveryId: c.deliveryId, fence: c.fence, attempt: null, outcome: { kind: 'success' }, disableEndpoint: false })), T0 + 2_000);
      const next = await second.claimDeliveries(10, LEASE, T0 + 3_000);
      assert.equal(next.length, 2, 'finished deliveries free their places for any worker');
      const stats = await first.queueStats(T0 + 3_000);
      assert.equal(stats.depth, 18, 'nothing held back is lost');
    } finally {
      await tearDown();
    }
  });

  test('an endpoint throttleRate is one token bucket shared by every worker', async () => {
    const { first, second, tearDown } = await setUp(12, { throttleRate: 4 });
    try {
      const [a, b] = await Promise.all([first.claimDeliveries(10, LEASE, T0), second.claimDeliveries(10, LEASE, T0)]);
      assert.equal(a.length + b.length, 4, 'a full bucket lets 4 through at once, whoever claims');
      assert.deepEqual(await first.claimDeliveries(10, LEASE, T0 + 100), [], 'nothing more until tokens refill');
      const afterHalfSecond = [...await first.claimDeliveries(10, LEASE, T0 + 600), ...await second.claimDeliveries(10, LEASE, T0 + 600)];
      assert.equal(afterHalfSecond.length, 2, 'half a second later, two more tokens');
      assert.equal((await first.queueStats(T0 + 600)).depth, 12, 'held-back deliveries stay queued');
      const all = await first.listEndpointMessages((a[0] ?? b[0])!.message.appId, (a[0] ?? b[0])!.endpoint.id, { limit: 50, status: MessageStatus.Pending });
      assert.equal(all.data.length, 6, 'the rest wait their turn as pending');
    } finally {
      await tearDown();
    }
  });
}
