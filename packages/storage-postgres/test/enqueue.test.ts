import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { HeraldError, MessageStatus, newId, storedPayloadFilter } from '@herald/core';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { PostgresStore } from '../src/postgres-store.ts';
import { enqueueMessage } from '../src/enqueue.ts';
import { DELIVERIES_CHANNEL } from '../src/queries/queue.ts';

const database = await postgresTestDatabase();
const T0 = 1_700_000_000_000;

if (database) {
  /** A store and an application's own pg client on the same fresh schema, plus an app with three endpoints. */
  const setUp = async () => {
    const schema = await database.createSchema();
    const store = new PostgresStore({ connectionString: database.url, schema, poolSize: 2 });
    await store.migrate();
    const client = new pg.Client({ connectionString: database.url, options: `-c search_path=${schema}` });
    await client.connect();
    await client.query('CREATE TABLE orders (id text PRIMARY KEY)');
    const app = await store.createApplication({ id: newId('app'), uid: 'shop', name: 'Shop', throttleRate: null, metadata: {} }, T0);
    const endpoint = (overrides: object) => store.createEndpoint({
      id: newId('ep'), appId: app.id, uid: null, url: 'https://example.com/hook', description: '', disabled: false, eventTypes: null,
      channels: null, headers: {}, throttleRate: null, metadata: {}, version: 1, secret: 'whsec_' + 'A'.repeat(32), ...overrides,
    }, T0);
    const all = await endpoint({});
    const paidOnly = await endpoint({ eventTypes: ['order.paid'] });
    await endpoint({ channels: ['eu'] });
    return {
      store, client, app, all, paidOnly,
      async tearDown() {
        await client.end();
        await store.close();
        await database.dropSchema(schema);
      },
    };
  };

  test('a message enqueued in the application transaction is delivered once that transaction commits, fanned out like the API', async () => {
    const { store, client, all, paidOnly, tearDown } = await setUp();
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO orders (id) VALUES ('ord_1')`);
      const message = await enqueueMessage(client, { app: 'shop', eventType: 'order.paid', payload: { id: 'ord_1' } }, T0);
      assert.deepEqual(await store.claimDeliveries(10, 60_000, T0), [], 'nothing is visible before the commit');
      await client.query('COMMIT');
      const claimed = await store.claimDeliveries(10, 60_000, T0);
      assert.deepEqual(claimed.map((c) => c.endpoint.id).sort(), [all.id, paidOnly.id].sort(), 'the eu-only endpoint is not subscribed');
      for (const delivery of claimed) {
        assert.equal(delivery.message.id, message.id);
        assert.equal(delivery.message.payload, '{"id":"ord_1"}');
      }
      const stored = await store.getMessage(message.appId, message.id);
      assert.deepEqual(stored, message);
      const destinations = await store.listMessageDestinations(message.appId, message.id, { limit: 10 });
      assert.ok(destinations.data.every((d) => d.status === MessageStatus.Sending));
    } finally {
      await tearDown();
    }
  });

  test('a message enqueued in a transaction that rolls back is neither stored nor delivered', async () => {
    const { store, client, app, tearDown } = await setUp();
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO orders (id) VALUES ('ord_2')`);
      const message = await enqueueMessage(client, { app: app.id, eventType: 'order.paid', payload: { id: 'ord_2' }, channels: ['eu'] }, T0);
      await client.query('ROLLBACK');
      assert.equal(await store.getMessage(app.id, message.id), undefined);
      assert.deepEqual(await store.claimDeliveries(10, 60_000, T0), []);
      assert.equal((await client.query('SELECT * FROM orders')).rowCount, 0);
    } finally {
      await tearDown();
    }
  });

  test('the outbox path applies payload filters as the API does: only matching messages reach a filtered endpoint', async () => {
    const { store, client, app, all, paidOnly, tearDown } = await setUp();
    try {
      const large = await store.createEndpoint({
        id: newId('ep'), appId: app.id, uid: null, url: 'https://example.com/large', description: '', disabled: false, eventTypes: null,
        channels: null, headers: {}, throttleRate: null, metadata: {}, version: 1, secret: 'whsec_' + 'B'.repeat(32),
        filter: storedPayloadFilter({ total: { $gte: 10_000 } }),
      }, T0);
      const small = await enqueueMessage(client, { app: 'shop', eventType: 'order.paid', payload: { total: 500 } }, T0);
      const big = await enqueueMessage(client, { app: 'shop', eventType: 'order.paid', payload: '{"total": 25000}' }, T0);
      const none = await enqueueMessage(client, { app: 'shop', eventType: 'order.paid', payload: { note: 'no total' } }, T0);
      const destinations = async (msgId: string) =>
        (await store.listMessageDestinations(app.id, msgId, { limit: 10 })).data.map((d) => d.endpoint.id).sort();
      assert.deepEqual(await destinations(small.id), [all.id, paidOnly.id].sort());
      assert.deepEqual(await destinations(big.id), [all.id, paidOnly.id, large.id].sort());
      assert.deepEqual(await destinations(none.id), [all.id, paidOnly.id].sort(), 'a missing field is no match');
    } finally {
      await tearDown();
    }
  });

  test('enqueueing for an unknown application, or with an eventId already used, fails with a Herald error', async () => {
    const { client, tearDown } = await setUp();
    try {
      await assert.rejects(enqueueMessage(client, { app: 'nope', eventType: 'x', payload: {} }), (error: unknown) =>
        error instanceof HeraldError && error.code === 'not_found');
      await enqueueMessage(client, { app: 'shop', eventType: 'x', payload: {}, eventId: 'evt-1' });
      await assert.rejects(enqueueMessage(client, { app: 'shop', eventType: 'x', payload: {}, eventId: 'evt-1' }), (error: unknown) =>
        error instanceof HeraldError && error.code === 'conflict');
    } finally {
      await tearDown();
    }
  });

  test('a worker listening for deliveries is woken when an enqueueing transaction commits, not before', async () => {
    const { store, client, tearDown } = await setUp();
    let wakes = 0;
    const stop = store.listenForDeliveries(() => wakes++, () => undefined);
    // A listener of the test's own, to see each notification's payload, and a connection to send a
    // positive on: notifications arrive in commit order, so one sent after the enqueue, arriving
    // alone, shows that the enqueue's had not been sent (no fixed wait standing in for that proof).
    const [listener, other] = [new pg.Client({ connectionString: database.url }), new pg.Client({ connectionString: database.url })];
    const payloads: string[] = [];
    listener.on('notification', (notification) => payloads.push(notification.payload ?? ''));
    await Promise.all([listener.connect(), other.connect()]);
    try {
      await listener.query(`LISTEN ${DELIVERIES_CHANNEL}`);
      await waitUntil(() => wakes >= 1); // the wake on connecting
      const before = wakes;
      await client.query('BEGIN');
      await enqueueMessage(client, { app: 'shop', eventType: 'order.paid', payload: {} });
      await other.query(`SELECT pg_notify('${DELIVERIES_CHANNEL}', 'positive')`);
      await waitUntil(() => payloads.includes('positive'));
      assert.deepEqual(payloads, ['positive'], 'no notification while uncommitted');
      await waitUntil(() => wakes > before); // the positive's wake
      await client.query('COMMIT');
      await waitUntil(() => payloads.length === 2 && wakes > before + 1);
    } finally {
      await Promise.all([listener.end(), other.end()]);
      await stop();
      await tearDown();
    }
  });
}

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  assert.ok(check(), 'condition reached in time');
}
