import { startTestHerald, type TestHerald } from '@herald/testing';
import { TEST_ENCRYPTION_KEY, postgresTestDatabase, type TestDatabase } from '@herald/testing/postgres';

/** One of the two ways Herald stores its data, for tests that must hold in both. */
export interface StorageMode {
  name: 'sqlite' | 'postgres';
  /** An in-process Herald (role all) in this mode; in PostgreSQL mode each gets a database of its own. */
  start(overrides?: Record<string, string>): Promise<TestHerald & { databaseUrl?: string }>;
}

/**
 * Embedded SQLite, and PostgreSQL when the test server is reachable (postgresTestDatabase skips
 * it otherwise, and fails the file under CI=true). Call at a test file's top level: the databases
 * it creates are dropped when the file's tests are done.
 */
export async function storageModes(postgresHeralds = 1): Promise<StorageMode[]> {
  const databases: TestDatabase[] = [];
  for (let index = 0; index < postgresHeralds; index++) {
    const database = await postgresTestDatabase();
    if (!database) return [sqliteMode];
    databases.push(database);
  }
  return [sqliteMode, {
    name: 'postgres',
    async start(overrides = {}) {
      const database = databases.shift();
      if (!database) throw new Error(`storageModes(${postgresHeralds}) made ${postgresHeralds} database(s); ask for more`);
      const herald = await startTestHerald({
        HERALD_DATABASE_URL: database.url, HERALD_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, HERALD_DATABASE_POOL_SIZE: '8', ...overrides,
      });
      return { ...herald, databaseUrl: database.url };
    },
  }];
}

const sqliteMode: StorageMode = { name: 'sqlite', start: (overrides) => startTestHerald(overrides) };
