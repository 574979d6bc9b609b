import { readdirSync, readFileSync } from 'node:fs';
import type Database from 'better-sqlite3';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

interface Migration {
  version: number;
  name: string;
  sql: string;
}

function loadMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((file) => /^\d{4}_.+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file,
      sql: readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8'),
    }));
}

/**
 * Applies pending migrations in order, each in its own transaction, recorded in a ledger.
 * BEGIN IMMEDIATE takes SQLite's write lock, so two processes starting at once apply each migration
 * once. A database written by a newer Herald is refused rather than silently misread.
 */
export function migrate(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS herald_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const migrations = loadMigrations();
  const latestKnown = migrations.at(-1)?.version ?? 0;
  const applied = db.prepare('SELECT max(version) AS version FROM herald_migrations').get() as { version: number | null };
  if ((applied.version ?? 0) > latestKnown) {
    throw new Error(
      `The database schema is version ${applied.version}, newer than this Herald knows (${latestKnown}). Upgrade Herald.`,
    );
  }
  for (const migration of migrations) {
    const apply = db.transaction(() => {
      const done = db.prepare('SELECT 1 FROM herald_migrations WHERE version = ?').get(migration.version);
      if (done) return;
      db.exec(migration.sql);
      db.prepare('INSERT INTO herald_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        Date.now(),
      );
    });
    apply.immediate();
  }
}
