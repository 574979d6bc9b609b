import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../src/sqlite-store.ts';

test('migrations are recorded in a ledger and a database from a newer Herald is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-migrate-'));
  try {
    const path = join(dir, 'herald.db');
    const first = new SqliteStore({ path });
    await first.migrate();
    await first.close();
    const raw = new Database(path);
    assert.deepEqual(raw.prepare('SELECT version FROM herald_migrations').all(), [{ version: 1 }]);
    raw.prepare('INSERT INTO herald_migrations (version, name, applied_at) VALUES (999, ?, 0)').run('9999_future.sql');
    raw.close();
    const second = new SqliteStore({ path });
    await assert.rejects(second.migrate(), /newer than this Herald knows/);
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
