import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidDataError, newId, newMessage } from '@herald/core';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { PostgresStore } from '../src/postgres-store.ts';

const T0 = 1_700_000_000_000;
const database = await postgresTestDatabase();

/**
 * The API refuses what PostgreSQL cannot store before it gets here; these are the net beneath:
 * a data exception (SQLSTATE class 22) is the caller's fault, a 400, and it fails nothing else.
 */
if (database) {
  test('a message the database refuses fails alone in its batch, with a 400 error, and its neighbours commit', async () => {
    const schema = await database.createSchema();
    const store = new PostgresStore({ connectionString: database.url, schema, poolSize: 2 });
    try {
      await store.migrate();
      const app = await store.createApplication({ id: newId('app'), uid: null, name: 'A', throttleRate: null, metadata: {} }, T0);
      // Odd ones name their (no) endpoints; even ones get the fan-out read at commit: both paths.
      const message = (channels: string[] | null, n: number) =>
        ({ message: newMessage({ appId: app.id, eventType: 'a.b', payload: `{"n":${n}}`, channels }, T0 + n), ...(n % 2 ? { endpointIds: [] } : {}) });
      const batch = [message(['ok'], 1), message(['x\u0000'], 2), message(null, 3), message(['\ud800'], 4), message(['fine'], 5)];
      const results = await store.createMessages(batch, T0 + 10);
      assert.deepEqual(results.map((result) => result?.name ?? null), [null, 'InvalidDataError', null, 'InvalidDataError', null]);
      assert.equal(results[1]!.status, 400);
      for (const index of [0, 2, 4]) assert.ok(await store.getMessage(app.id, batch[index]!.message.id), `message ${index} committed`);
      assert.equal(await store.getMessage(app.id, batch[1]!.message.id), undefined);
    } finally {
      await store.close();
      await database.dropSchema(schema);
    }
  });

  test('NUL in a name, an id or a filter, and a bucket beyond bigint, are 400 errors, not 500s', async () => {
    const schema = await database.createSchema();
    const store = new PostgresStore({ connectionString: database.url, schema, poolSize: 2 });
    try {
      await store.migrate();
      const app = await store.createApplication({ id: newId('app'), uid: null, name: 'A', throttleRate: null, metadata: {} }, T0);
      const refused = (error: unknown) => error instanceof InvalidDataError && error.status === 400;
      await assert.rejects(store.createApplication({ id: newId('app'), uid: null, name: 'a\u0000b', throttleRate: null, metadata: {} }, T0), refused);
      await assert.rejects(store.getMessage(app.id, 'msg_\u0000'), refused);
      await assert.rejects(store.listMessages(app.id, { limit: 10, iterator: null, order: 'descending', channel: '\u0000' }), refused);
      await assert.rejects(store.attemptTimeline(app.id, 'ep_x', { since: T0, until: T0 + 1, bucketMs: 8.64e27 }), refused);
    } finally {
      await store.close();
      await database.dropSchema(schema);
    }
  });
}
