import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import pg from 'pg';

export { privatePostgresUnavailable, startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

/** The shared test server; tests only ever create and drop their own herald_postgres_* databases on it. */
export const TEST_POSTGRES_URL = process.env.HERALD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  /** Connection string of a fresh, empty database of this test file's own. */
  url: string;
  /** A new empty schema in that database, for one store. */
  createSchema(): Promise<string>;
  dropSchema(schema: string): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/**
 * Creates a database named herald_postgres_<random> for the calling test file and drops it when
 * the file's tests are done. When Postgres cannot be reached, the file's tests are skipped with
 * the reason, except under CI=true, where that is a failure.
 */
export async function postgresTestDatabase(): Promise<TestDatabase | undefined> {
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (error) {
    if (process.env.CI === 'true') throw new Error(`Postgres at ${TEST_POSTGRES_URL} is unreachable, and CI=true: ${String(error)}`);
    test(`PostgreSQL tests need a server at ${TEST_POSTGRES_URL}`, { skip: String(error) }, () => undefined);
    return undefined;
  }
  const name = `herald_postgres_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = withDatabase(TEST_POSTGRES_URL, name);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // DROP ... WITH (FORCE) below ends any connection a test left open; that is not an error here.
  pool.on('error', () => undefined);
  after(async () => {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });
  let schemas = 0;
  return {
    url,
    async createSchema() {
      const schema = `s${++schemas}_${randomBytes(3).toString('hex')}`;
      await pool.query(`CREATE SCHEMA ${schema}`);
      return schema;
    },
    async dropSchema(schema) {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}

/** A fixed key for secrets at rest, which PostgreSQL mode requires (every process of a cluster must share it). */
export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

/** Options for one Herald process of a PostgreSQL-mode cluster under test. */
export function postgresModeEnv(databaseUrl: string, role: 'api' | 'worker' | 'all', dataDir: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    HERALD_PORT: '0',
    HERALD_DATA_DIR: dataDir,
    HERALD_DATABASE_URL: databaseUrl,
    HERALD_ROLE: role,
    HERALD_ADMIN_TOKEN: 'sk_test_herald_admin_token_0123456789',
    HERALD_ALLOW_PRIVATE_TARGETS: 'true',
    HERALD_RETRY_SCHEDULE: '1s,2s,4s',
    HERALD_LOG_LEVEL: 'silent',
    HERALD_DATABASE_POOL_SIZE: '4',
    HERALD_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    ...overrides,
  };
}
