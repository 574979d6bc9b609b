import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '@herald/storage-sqlite';
import type { HeraldConfig } from './config.ts';

/** `herald migrate`: brings the configured store's schema up to date, then closes it. */
export async function migrateStore(config: HeraldConfig): Promise<{ location: string }> {
  mkdirSync(config.dataDir, { recursive: true });
  const location = join(config.dataDir, 'herald.db');
  const store = new SqliteStore({ path: location, synchronous: config.sqliteSynchronous });
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
  return { location };
}
