import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { newId } from '@herald/core';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { PostgresStore } from '../src/postgres-store.ts';

const database = await postgresTestDatabase();

if (database) {
  test('the audit table refuses updates, deletions and truncation even to a direct database connection', async () => {
    const schema = await database.createSchema();
    const store = new PostgresStore({ connectionString: database.url, schema, poolSize: 1 });
    const raw = new pg.Client({ connectionString: database.url, options: `-c search_path=${schema}` });
    try {
      await store.migrate();
      await store.appendAuditEntries([{
        id: newId('audit'), at: 1, actorKind: 'admin', actorTokenId: null, method: 'POST', route: '/api/v1/app', resourceIds: {}, status: 201,
      }]);
      await raw.connect();
      await assert.rejects(raw.query('UPDATE audit_log SET status = 200'), /append-only/);
      await assert.rejects(raw.query('DELETE FROM audit_log'), /append-only/);
      await assert.rejects(raw.query('TRUNCATE audit_log'), /append-only/);
      assert.equal((await store.listAuditEntries({ limit: 10 })).data.length, 1);
    } finally {
      await raw.end();
      await store.close();
      await database.dropSchema(schema);
    }
  });
}
