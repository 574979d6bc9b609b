import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeConformanceSuite } from '@herald/storage/testing';
import { SqliteStore } from '../src/sqlite-store.ts';

// A real file in a fresh directory per test, as in production (WAL mode needs a file to matter).
storeConformanceSuite('SQLite (a real file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-sqlite-'));
  const store = new SqliteStore({ path: join(dir, 'herald.db'), synchronous: 'NORMAL' });
  await store.migrate();
  return {
    store,
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}, { claimsAtIngest: true });
