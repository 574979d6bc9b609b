import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { newId } from '@herald/core';
import { LOG_START } from '@herald/storage';
import { newApplication } from '@herald/storage/testing';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { PostgresStore } from '../src/postgres-store.ts';

const T0 = 1_700_000_000_000;
const database = await postgresTestDatabase();

/**
 * Commit order is not the order messages were numbered in: a transaction that took its numbers
 * first can commit last. These tests hold such a transaction open on another connection.
 */
if (database) {
  const message = (appId: string) => ({ message: { id: newId('msg'), appId, eventType: 'e', eventId: null, channels: null, tags: null, payload: '{}', createdAt: T0 } });

  test('a message committed after a later one is not skipped by a reader already past the later one', async () => {
    const schema = await database.createSchema();
    const store = new PostgresStore({ connectionString: database.url, schema, poolSize: 4 });
    const raw = new pg.Client({ connectionString: database.url, options: `-c search_path=${schema}` });
    await raw.connect();
    try {
      await store.migrate();
      const app = await store.createApplication(newApplication(), T0);
      const slow = message(app.id);
      await raw.query('BEGIN');
      await raw.query('INSERT INTO messages (id, app_id, event_type, payload, created_at) VALUES ($1, $2, $3, $4, $5)',
        [slow.message.id, app.id, 'e', '{}', T0]);
      const fast = message(app.id);
      assert.deepEqual(await store.createMessages([fast], T0), [null]);

      // The later message is committed, but readable only once the earlier one's transaction ends:
      // a reader given it now would continue past the earlier one and never see it.
      assert.deepEqual(await store.readMessageLog(app.id, LOG_START, 10), []);
      await raw.query('COMMIT');
      const read = await store.readMessageLog(app.id, LOG_START, 10);
      assert.deepEqual(read.map((entry) => entry.message.id), [slow.message.id, fast.message.id]);
    } finally {
      await raw.query('ROLLBACK').catch(() => undefined);
      await raw.end();
      await store.close();
      await database.dropSchema(schema);
    }
  });

  test('a transaction open in another database does not hold this one\'s readers back', async () => {
    const schema = await database.createSchema();
    const store = new PostgresStore({ connectionString: database.url, schema, poolSize: 4 });
    const elsewhere = new pg.Client({ connectionString: database.url.replace(/\/[^/]*$/, '/postgres') });
    await elsewhere.connect();
    try {
      await store.migrate();
      const app = await store.createApplication(newApplication(), T0);
      await elsewhere.query('BEGIN');
      await elsewhere.query('SELECT pg_current_xact_id()');
      const sent = message(app.id);
      assert.deepEqual(await store.createMessages([sent], T0), [null]);
      assert.deepEqual((await store.readMessageLog(app.id, LOG_START, 10)).map((entry) => entry.message.id), [sent.message.id]);
    } finally {
      await elsewhere.query('ROLLBACK').catch(() => undefined);
      await elsewhere.end();
      await store.close();
      await database.dropSchema(schema);
    }
  });
}
