import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeConformanceSuite } from '@herald/storage/testing';
import { SqliteStore } from '../src/sqlite-store.ts';

storeConformanceSuite('SQLite (a real file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-sqlite-'));
  return {
    store: new SqliteStore({ path: join(dir, 'herald.db'), synchronous: 'NORMAL' }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
