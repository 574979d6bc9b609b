import type Database from 'better-sqlite3';
import { NotFoundError } from '@herald/core';
import type { EndpointTransformation } from '@herald/storage';

interface TransformationRow { code: string | null; enabled: number; updated_at: number }

const toTransformation = (row: TransformationRow): EndpointTransformation =>
  ({ code: row.code, enabled: row.enabled === 1, updatedAt: row.updated_at });

/** Endpoint transformations (migration 0007), for SqliteStore to delegate to. */
export class TransformationQueries {
  constructor(
    private readonly db: Database.Database,
    private readonly stmt: (sql: string) => Database.Statement,
  ) {}

  get(endpointId: string): EndpointTransformation | undefined {
    const row = this.stmt('SELECT code, enabled, updated_at FROM endpoint_transformations WHERE endpoint_id = ?')
      .get(endpointId) as TransformationRow | undefined;
    return row && toTransformation(row);
  }

  set(endpointId: string, changes: { code?: string | null; enabled?: boolean }, now: number): EndpointTransformation {
    return this.db.transaction(() => {
      if (!this.stmt('SELECT 1 FROM endpoints WHERE id = ?').get(endpointId)) throw new NotFoundError('Endpoint');
      const current = this.get(endpointId) ?? { code: null, enabled: false, updatedAt: now };
      const next: EndpointTransformation = {
        code: changes.code !== undefined ? changes.code : current.code,
        enabled: changes.enabled ?? current.enabled,
        updatedAt: now,
      };
      this.stmt(`INSERT INTO endpoint_transformations (endpoint_id, code, enabled, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (endpoint_id) DO UPDATE SET code = excluded.code, enabled = excluded.enabled, updated_at = excluded.updated_at`)
        .run(endpointId, next.code, next.enabled ? 1 : 0, now);
      return next;
    }).immediate();
  }
}
