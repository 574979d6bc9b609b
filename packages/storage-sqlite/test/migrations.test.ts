import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { newId } from '@herald/core';
import { SqliteStore } from '../src/sqlite-store.ts';

const T0 = 1_700_000_000_000;

/** Runs `body` with the path of a database file in a fresh directory, removed afterwards. */
async function withDatabaseFile(body: (path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-migrate-'));
  try {
    await body(join(dir, 'herald.db'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function ledger(path: string): Array<{ version: number; name: string }> {
  const raw = new Database(path, { readonly: true });
  try {
    return raw.prepare('SELECT version, name FROM herald_migrations ORDER BY version').all() as Array<{ version: number; name: string }>;
  } finally {
    raw.close();
  }
}

test('two stores opened on the same file both migrate without error and share one schema', () =>
  withDatabaseFile(async (path) => {
    const first = new SqliteStore({ path, synchronous: 'NORMAL' });
    const second = new SqliteStore({ path, synchronous: 'NORMAL' });
    try {
      await first.migrate();
      await second.migrate();
      await Promise.all([first.migrate(), second.migrate()]);
      const app = await first.createApplication({ id: newId('app'), uid: 'shared', name: 'Shared', throttleRate: null, metadata: {} }, T0);
      assert.equal((await second.getApplication('shared'))?.id, app.id, 'both stores see the same tables');
    } finally {
      await first.close();
      await second.close();
    }
    const versions = ledger(path);
    assert.ok(versions.length > 0, 'the migrations are recorded in the ledger');
    assert.equal(new Set(versions.map((row) => row.version)).size, versions.length, 'each migration is recorded once');
    assert.ok(versions.every((row) => /^\d{4}_.+\.sql$/.test(row.name)), 'the ledger names the migration files');
  }));

test('a database whose ledger has a version newer than this Herald knows is refused with a clear error', () =>
  withDatabaseFile(async (path) => {
    const first = new SqliteStore({ path });
    await first.migrate();
    await first.close();
    const known = ledger(path);
    const latest = known.at(-1)!.version;
    const future = latest + 1;

    const raw = new Database(path);
    raw.prepare('INSERT INTO herald_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(future, `${future}_from_the_future.sql`, T0);
    raw.close();

    const store = new SqliteStore({ path });
    try {
      await assert.rejects(store.migrate(), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, /newer than this Herald knows/);
        assert.match(error.message, new RegExp(`\\b${future}\\b`), 'the error names the database version');
        assert.match(error.message, new RegExp(`\\b${latest}\\b`), 'the error names the version this Herald knows');
        return true;
      });
    } finally {
      await store.close();
    }
    assert.deepEqual(ledger(path), [...known, { version: future, name: `${future}_from_the_future.sql` }], 'the refused database is left as it was');
  }));

test('a fresh file is migrated to the latest known version and migrating again adds nothing', () =>
  withDatabaseFile(async (path) => {
    const store = new SqliteStore({ path });
    try {
      await store.migrate();
      const once = ledger(path);
      assert.equal(once[0]?.version, 1);
      await store.migrate();
      assert.deepEqual(ledger(path), once);
    } finally {
      await store.close();
    }
  }));
