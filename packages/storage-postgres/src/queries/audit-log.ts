import type { AuditEntry } from '@herald/core';
import type { Page, PageRequest } from '@herald/storage';
import { Params, queryPage, type Queryable } from '../sql.ts';

interface AuditRow {
  id: string; at: number; actor_kind: AuditEntry['actorKind']; actor_token_id: string | null; method: string; route: string;
  resource_ids: Record<string, string>; status: number;
}

const toEntry = (row: AuditRow): AuditEntry => ({
  id: row.id, at: row.at, actorKind: row.actor_kind, actorTokenId: row.actor_token_id, method: row.method, route: row.route,
  resourceIds: row.resource_ids, status: row.status,
});

/** One statement for the whole batch; the table's triggers refuse anything but inserts. */
export async function appendAuditEntries(db: Queryable, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.query(`INSERT INTO audit_log (id, at, actor_kind, actor_token_id, method, route, resource_ids, status)
    SELECT id, at, actor_kind, actor_token_id, method, route, resource_ids::jsonb, status
    FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[])
      AS t(id, at, actor_kind, actor_token_id, method, route, resource_ids, status)`,
  [entries.map((e) => e.id), entries.map((e) => e.at), entries.map((e) => e.actorKind), entries.map((e) => e.actorTokenId),
    entries.map((e) => e.method), entries.map((e) => e.route), entries.map((e) => JSON.stringify(e.resourceIds)),
    entries.map((e) => e.status)]);
}

export function listAuditEntries(db: Queryable, request: PageRequest): Promise<Page<AuditEntry>> {
  return queryPage(db, 'SELECT * FROM audit_log', [], new Params(), 'id', request, toEntry, (entry) => entry.id);
}
