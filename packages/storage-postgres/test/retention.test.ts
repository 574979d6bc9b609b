import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageStatus, newId } from '@herald/core';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { PostgresStore } from '../src/postgres-store.ts';

const database = await postgresTestDatabase();
const T0 = 1_700_000_000_000;
const DAY = 86_400_000;

if (database) {
  test('purgeBodies empties old payloads and attempt bodies in batches, keeps young ones and those of messages still being delivered', async () => {
    const schema = await database.createSchema();
    const store = new PostgresStore({ connectionString: database.url, schema, poolSize: 2 });
    try {
      await store.migrate();
      const app = await store.createApplication({ id: newId('app'), uid: null, name: 'a', throttleRate: null, metadata: {} }, T0);
      const endpoint = await store.createEndpoint({
        id: newId('ep'), appId: app.id, uid: null, url: 'https://example.com', description: '', disabled: false, eventTypes: null,
        channels: null, headers: {}, throttleRate: null, metadata: {}, version: 1, secret: 'whsec_' + 'A'.repeat(32),
      }, T0);
      const accept = async (at: number) => {
        const message = { id: newId('msg', at), appId: app.id, eventType: 'e', eventId: null, channels: null, tags: null, payload: `{"at":${at}}`, createdAt: at };
        assert.deepEqual(await store.createMessages([{ message, endpointIds: [endpoint.id] }], at), [null]);
        return message;
      };
      const old = [await accept(T0), await accept(T0 + 1), await accept(T0 + 2)];
      const stillRetrying = await accept(T0 + 3);
      const young = await accept(T0 + 10 * DAY);
      // Deliver everything once: all succeed except stillRetrying, which is rescheduled.
      const claimed = await store.claimDeliveries(10, 60_000, T0 + 10 * DAY);
      await store.recordResults(claimed.map((c) => ({
        deliveryId: c.deliveryId, fence: c.fence, disableEndpoint: false,
        outcome: c.message.id === stillRetrying.id ? { kind: 'retry', nextAttemptAt: T0 + 11 * DAY } : { kind: 'success' },
        attempt: {
          id: newId('atmpt', c.message.createdAt), msgId: c.message.id, endpointId: endpoint.id, appId: app.id, url: endpoint.url,
          status: MessageStatus.Success, responseStatusCode: 200, response: 'response body', responseDurationMs: 1, triggerType: 0,
          createdAt: c.message.createdAt,
        },
      })), T0 + 10 * DAY);

      const cutoff = T0 + 5 * DAY;
      assert.deepEqual(await store.purgeBodies(cutoff, 2), { payloads: 2, responses: 2 }, 'one batch at most');
      assert.deepEqual(await store.purgeBodies(cutoff, 2), { payloads: 1, responses: 2 });
      assert.deepEqual(await store.purgeBodies(cutoff, 2), { payloads: 0, responses: 0 }, 'nothing is purged twice');

      for (const message of old) {
        assert.equal((await store.getMessage(app.id, message.id))?.payload, '{}', 'an old payload is gone, the message stays');
        const [attempt] = (await store.listAttemptsByMessage(app.id, message.id, { limit: 5 })).data;
        assert.equal(attempt?.response, '', 'an old attempt keeps its status but not its body');
        assert.equal(attempt?.responseStatusCode, 200);
      }
      assert.equal((await store.getMessage(app.id, stillRetrying.id))?.payload, stillRetrying.payload, 'a message still being delivered keeps its payload');
      assert.equal((await store.getMessage(app.id, young.id))?.payload, young.payload);
      assert.equal((await store.listAttemptsByMessage(app.id, young.id, { limit: 5 })).data[0]?.response, 'response body');
    } finally {
      await store.close();
      await database.dropSchema(schema);
    }
  });
}
