import { storeConformanceSuite } from '@herald/storage/testing';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { PostgresStore } from '../src/postgres-store.ts';

// One real database for this file, a fresh schema for every test in it.
const database = await postgresTestDatabase();

if (database) {
  storeConformanceSuite('PostgreSQL (a real server)', async () => {
    const schema = await database.createSchema();
    const store = new PostgresStore({ connectionString: database.url, schema, poolSize: 4 });
    return { store, cleanup: () => database.dropSchema(schema) };
  });
}
