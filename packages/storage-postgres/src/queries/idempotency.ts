import type { IdempotencyRecord } from '@herald/storage';
import type { Queryable } from '../sql.ts';

interface IdempotencyRow {
  scope: string; key: string; request_hash: string; status: number; body: string; created_at: number;
}

export async function getIdempotency(db: Queryable, scope: string, key: string, notBefore: number): Promise<IdempotencyRecord | undefined> {
  const { rows } = await db.query<IdempotencyRow>('SELECT * FROM idempotency_keys WHERE scope = $1 AND key = $2 AND created_at >= $3',
    [scope, key, notBefore]);
  const row = rows[0];
  return row && { scope: row.scope, key: row.key, requestHash: row.request_hash, status: row.status, body: row.body, createdAt: row.created_at };
}

export async function saveIdempotency(db: Queryable, record: IdempotencyRecord): Promise<void> {
  await db.query(`INSERT INTO idempotency_keys (scope, key, request_hash, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (scope, key) DO UPDATE SET request_hash = excluded.request_hash, status = excluded.status,
    body = excluded.body, created_at = excluded.created_at`,
  [record.scope, record.key, record.requestHash, record.status, record.body, record.createdAt]);
}

export async function purgeIdempotency(db: Queryable, olderThan: number): Promise<number> {
  return (await db.query('DELETE FROM idempotency_keys WHERE created_at < $1', [olderThan])).rowCount ?? 0;
}
