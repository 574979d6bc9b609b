import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { PostgresStore } from '../src/postgres-store.ts';

const database = await postgresTestDatabase();

if (database) {
  const inSchema = async (body: (schema: string, raw: pg.Client) => Promise<void>) => {
    const schema = await database.createSchema();
    const raw = new pg.Client({ connectionString: database.url, options: `-c search_path=${schema}` });
    await raw.connect();
    try {
      await body(schema, raw);
    } finally {
      await raw.end();
      await database.dropSchema(schema);
    }
  };

  test('six processes migrating one empty database at once apply each migration exactly once', () =>
    inSchema(async (schema, raw) => {
      const stores = Array.from({ length: 6 }, () => new PostgresStore({ connectionString: database.url, schema, poolSize: 1 }));
      try {
        await Promise.all(stores.map((store) => store.migrate()));
        const { rows } = await raw.query<{ version: number; n: string }>('SELECT version, count(*) AS n FROM herald_migrations GROUP BY version');
        assert.ok(rows.length >= 1);
        for (const row of rows) assert.equal(Number(row.n), 1, `migration ${row.version} is in the ledger once`);
        assert.equal((await stores[3]!.initSetting('k', 'v')), 'v', 'the schema is usable');
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    }));

  test('a database migrated by a newer Herald is refused with a message saying to upgrade', () =>
    inSchema(async (schema, raw) => {
      const store = new PostgresStore({ connectionString: database.url, schema, poolSize: 1 });
      try {
        await store.migrate();
        await raw.query(`INSERT INTO herald_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)`);
        await assert.rejects(store.migrate(), /newer than this Herald knows.*Upgrade Herald/);
      } finally {
        await store.close();
      }
    }));
}
