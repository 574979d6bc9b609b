import { NotFoundError } from '@herald/core';
import type { EndpointTransformation } from '@herald/storage';
import type { Queryable } from '../sql.ts';

interface TransformationRow { code: string | null; enabled: boolean; updated_at: number }

const toTransformation = (row: TransformationRow): EndpointTransformation => ({ code: row.code, enabled: row.enabled, updatedAt: row.updated_at });

export async function getEndpointTransformation(db: Queryable, endpointId: string): Promise<EndpointTransformation | undefined> {
  const { rows } = await db.query<TransformationRow>(
    'SELECT code, enabled, updated_at FROM endpoint_transformations WHERE endpoint_id = $1', [endpointId]);
  return rows[0] && toTransformation(rows[0]);
}

/**
 * One statement, so two changes at once each keep the other's field: the row is inserted only if
 * the endpoint exists (no row back means it does not), and a field left out keeps its stored value.
 */
export async function setEndpointTransformation(
  db: Queryable, endpointId: string, changes: { code?: string | null; enabled?: boolean }, now: number,
): Promise<EndpointTransformation> {
  const { rows } = await db.query<TransformationRow>(
    `INSERT INTO endpoint_transformations (endpoint_id, code, enabled, updated_at)
       SELECT e.id, CASE WHEN $2::boolean THEN $3::text END, COALESCE($4::boolean, false), $5 FROM endpoints e WHERE e.id = $1
     ON CONFLICT (endpoint_id) DO UPDATE SET
       code = CASE WHEN $2::boolean THEN EXCLUDED.code ELSE endpoint_transformations.code END,
       enabled = COALESCE($4::boolean, endpoint_transformations.enabled),
       updated_at = EXCLUDED.updated_at
     RETURNING code, enabled, updated_at`,
    [endpointId, changes.code !== undefined, changes.code ?? null, changes.enabled ?? null, now]);
  if (!rows[0]) throw new NotFoundError('Endpoint');
  return toTransformation(rows[0]);
}
