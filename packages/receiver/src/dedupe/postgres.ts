import { newClaimToken } from './deduplicate.ts';
import type { ClaimResult, DedupeStore } from './store.ts';

/** The one method used; a `pg` Pool or Client fits as is. */
export interface PostgresQueryClient {
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

/**
 * Ids in a table (`webhook_dedupe` by default; call `createTable()` once, e.g. at start-up or in a
 * migration). An expired row is taken over by the next claim, and `purgeExpired()` deletes them.
 */
export class PostgresDedupeStore implements DedupeStore {
  private readonly table: string;

  constructor(private readonly client: PostgresQueryClient, table = 'webhook_dedupe') {
    if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/.test(table)) throw new RangeError(`not a plain table name: ${table}`);
    this.table = table;
  }

  async createTable(): Promise<void> {
    await this.client.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
      id text PRIMARY KEY,
      token text NOT NULL,
      done boolean NOT NULL,
      expires_at timestamptz NOT NULL
    )`);
  }

  async claim(id: string, leaseMs: number): Promise<ClaimResult> {
    const token = newClaimToken();
    // One statement: a concurrent claim of the same id waits on the row lock, then sees ours.
    const claimed = await this.client.query(
      `INSERT INTO ${this.table} AS seen (id, token, done, expires_at)
       VALUES ($1, $2, false, now() + $3 * interval '1 millisecond')
       ON CONFLICT (id) DO UPDATE SET token = excluded.token, done = false, expires_at = excluded.expires_at
         WHERE seen.expires_at <= now()
       RETURNING token`,
      [id, token, leaseMs],
    );
    if (claimed.rows.length > 0) return { status: 'claimed', token };
    const existing = await this.client.query(`SELECT done FROM ${this.table} WHERE id = $1`, [id]);
    return existing.rows[0]?.done === true ? { status: 'done' } : { status: 'in-progress' };
  }

  async complete(id: string, token: string, retainMs: number): Promise<void> {
    await this.client.query(
      `UPDATE ${this.table} SET done = true, expires_at = now() + $3 * interval '1 millisecond'
       WHERE id = $1 AND token = $2 AND NOT done`,
      [id, token, retainMs],
    );
  }

  async release(id: string, token: string): Promise<void> {
    await this.client.query(`DELETE FROM ${this.table} WHERE id = $1 AND token = $2 AND NOT done`, [id, token]);
  }

  async purgeExpired(): Promise<number> {
    const result = await this.client.query(`DELETE FROM ${this.table} WHERE expires_at <= now() RETURNING id`);
    return result.rows.length;
  }
}
