import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '@herald/storage';
import type { HeraldConfig } from './config.ts';

/**
 * `herald migrate`: brings the configured store's schema up to date, then closes it. With
 * HERALD_DATABASE_URL that is the PostgreSQL database (under the same lock every starting process
 * takes); otherwise the SQLite file in the data directory. Each driver is loaded only when used.
 */
export async function migrateStore(config: HeraldConfig): Promise<{ location: string }> {
  let store: Store;
  let location: string;
  if (config.databaseUrl) {
    const { PostgresStore } = await import('@herald/storage-postgres');
    store = new PostgresStore({ connectionString: config.databaseUrl, poolSize: 1 });
    location = withoutPassword(config.databaseUrl);
  } else {
    const { SqliteStore } = await import('@herald/storage-sqlite');
    mkdirSync(config.dataDir, { recursive: true });
    location = join(config.dataDir, 'herald.db');
    store = new SqliteStore({ path: location, synchronous: config.sqliteSynchronous });
  }
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
  return { location };
}

/** The database URL as it may be printed. */
function withoutPassword(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (url.password) url.password = '***';
  return url.toString();
}
