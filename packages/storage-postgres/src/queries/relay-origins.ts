import type { Queryable } from '../sql.ts';

/** Records (or refreshes) an API process's relay origin, such as http://10.0.0.5:8071. */
export async function registerRelayOrigin(db: Queryable, origin: string, now: number): Promise<void> {
  await db.query(`INSERT INTO relay_origins (origin, seen_at) VALUES ($1, $2)
    ON CONFLICT (origin) DO UPDATE SET seen_at = GREATEST(relay_origins.seen_at, EXCLUDED.seen_at)`, [origin, now]);
}

/** The relay origins seen since `since`. */
export async function listRelayOrigins(db: Queryable, since: number): Promise<string[]> {
  const { rows } = await db.query<{ origin: string }>('SELECT origin FROM relay_origins WHERE seen_at >= $1', [since]);
  return rows.map((row) => row.origin);
}
