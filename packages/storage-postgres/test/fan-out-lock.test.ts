import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { newId, newMessage } from '@herald/core';
import { newApplication, newEndpoint } from '@herald/storage/testing';
import { eventually } from '@herald/testing';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { PostgresStore } from '../src/postgres-store.ts';

const T0 = 1_700_000_000_000;
const FAN_OUT_LOCK = 0x68657261;
const database = await postgresTestDatabase();

/**
 * Under READ COMMITTED, endpoints read in a message's transaction can miss one committed before the
 * message commits. The application's fan-out lock orders the two: these tests hold it from another
 * connection and show that each side waits for it.
 */
if (database) {
  const withStore = async (body: (store: PostgresStore, raw: pg.Client, appId: string) => Promise<void>) => {
    const schema = await database.createSchema();
    const store = new PostgresStore({ connectionString: database.url, schema, poolSize: 4 });
    const raw = new pg.Client({ connectionString: database.url, options: `-c search_path=${schema}` });
    await raw.connect();
    try {
      await store.migrate();
      const app = await store.createApplication(newApplication(), T0);
      await body(store, raw, app.id);
    } finally {
      await raw.query('ROLLBACK').catch(() => undefined);
      await raw.end();
      await store.close();
      await database.dropSchema(schema);
    }
  };
  /** Resolves once some connection waits for an advisory lock; fails if `work` settles first. */
  const waitsForLock = async (raw: pg.Client, work: Promise<unknown>) => {
    let settled = false;
    void work.then(() => (settled = true), () => (settled = true));
    await eventually(async () => {
      assert.equal(settled, false, 'finished without waiting for the fan-out lock');
      const { rows } = await raw.query<{ waiting: number }>(`SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);
      return rows[0]!.waiting > 0 ? true : undefined;
    }, 10_000, 'a wait for the fan-out lock');
  };

  test('a message commit waits for an endpoint creation in progress, then delivers to that endpoint', async () => {
    await withStore(async (store, raw, appId) => {
      const first = await store.createEndpoint(newEndpoint(appId), T0);
      // Another connection creates an endpoint as createEndpoint does: lock, insert, not yet committed.
      await raw.query('BEGIN');
      await raw.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [FAN_OUT_LOCK, appId]);
      const lateId = newId('ep');
      await raw.query(`INSERT INTO endpoints SELECT (jsonb_populate_record(e, jsonb_build_object('id', $1::text, 'uid', null))).*
        FROM endpoints e WHERE e.id = $2`, [lateId, first.id]);
      const message = newMessage({ appId, eventType: 'order.paid', payload: '{}' }, T0);
      const committing = store.createMessages([{ message }], T0);
      await waitsForLock(raw, committing);
      await raw.query('COMMIT');
      assert.deepEqual(await committing, [null]);
      const destinations = (await store.listMessageDestinations(appId, message.id, { limit: 10 })).data.map((d) => d.endpoint.id);
      assert.deepEqual(destinations.sort(), [first.id, lateId].sort());
    });
  });

  test('an endpoint creation waits for a message commit in progress', async () => {
    await withStore(async (store, raw, appId) => {
      await raw.query('BEGIN');
      await raw.query('SELECT pg_advisory_xact_lock_shared($1, hashtext($2))', [FAN_OUT_LOCK, appId]);
      const creating = store.createEndpoint(newEndpoint(appId), T0);
      await waitsForLock(raw, creating);
      await raw.query('COMMIT');
      assert.equal((await creating).appId, appId);
    });
  });
}
