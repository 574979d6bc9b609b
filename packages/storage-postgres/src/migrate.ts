import { readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
/** Any fixed number: every Herald process takes this advisory lock to migrate, one at a time. */
const MIGRATION_LOCK = 7_402_118_001;

interface Migration {
  version: number;
  name: string;
  sql: string;
}

function loadMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((file) => /^\d{4}_.+\.sql$/.test(file))
    .sort()
    .map((file) => ({ version: Number(file.slice(0, 4)), name: file, sql: readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8') }));
}

/**
 * Applies pending migrations in order, each in its own transaction, recorded in a ledger. Several
 * processes starting at once queue on a session advisory lock, so each migration runs once; a
 * database written by a newer Herald is refused rather than silently misread.
 */
export async function migrate(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS herald_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`);
      const migrations = loadMigrations();
      const latestKnown = migrations.at(-1)?.version ?? 0;
      const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM herald_migrations');
      const applied = rows[0]?.version ?? 0;
      if (applied > latestKnown) {
        throw new Error(`The database schema is version ${applied}, newer than this Herald knows (${latestKnown}). Upgrade Herald.`);
      }
      for (const migration of migrations.filter((m) => m.version > applied)) {
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO herald_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
            [migration.version, migration.name, Date.now()]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
