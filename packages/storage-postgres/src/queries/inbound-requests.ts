import type pg from 'pg';
import { ConflictError, NotFoundError, type HeraldError } from '@herald/core';
import type {
  ClaimedInboundRequest, InboundRequest, InboundRequestFilter, InboundRoutingDone, InboundVerdict, NewInboundRequest, Page,
  PageRequest, RecordedInboundRequest, RouteOutcome,
} from '@herald/storage';
import { FOREIGN_KEY_VIOLATION, Params, UNIQUE_VIOLATION, inTransaction, isPgError, prepared, queryPage, type Queryable } from '../sql.ts';
import { sourcesByIds } from './sources.ts';

interface RequestRow {
  id: string; source_id: string; received_at: number; method: string; path: string; query: string; headers: Record<string, string>;
  body: Buffer | null; source_ip: string; verdict: InboundVerdict; reject_reason: string | null; dedupe_key: string | null;
  duplicate_of: string | null; duplicates: number; event_type: string; routing_round: number; routed_round: number;
}

/** Named, not *, for the prepared claim (see sql.ts `prepared`). */
const REQUEST_COLUMNS = `id, source_id, received_at, method, path, query, headers, body, source_ip, verdict, reject_reason, dedupe_key,
  duplicate_of, duplicates, event_type, routing_round, routed_round`;

const toRequest = (row: RequestRow): InboundRequest => ({
  id: row.id, sourceId: row.source_id, receivedAt: row.received_at, method: row.method, path: row.path, query: row.query,
  headers: row.headers, body: row.body, sourceIp: row.source_ip, verdict: row.verdict, rejectReason: row.reject_reason,
  dedupeKey: row.dedupe_key, duplicateOf: row.duplicate_of, duplicates: row.duplicates, eventType: row.event_type,
  routingRound: row.routing_round, routedRound: row.routed_round,
});

/**
 * The whole batch in one statement: the dedupe verdicts are decided in SQL against the accepted
 * requests already stored (through the partial unique index) and, for repeats within the batch,
 * against the batch's first request with the key, which is inserted with its repeats already
 * counted (a sibling CTE could not update a row inserted by the same statement). Originals stored
 * earlier get their counts from the `counted` CTE. Two processes committing the same key at once
 * collide on the unique index: the statement fails and the careful path decides again.
 */
const recordBatch = prepared('herald_record_inbound', `WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bytea[],
      $9::text[], $10::text[], $11::text[], $12::text[], $13::text[]) WITH ORDINALITY
      AS t(id, source_id, received_at, method, path, query, headers, body, source_ip, verdict, reject_reason, dedupe_key, event_type, ord)
  ), keyed AS (
    SELECT i.ord, e.id AS existing_id,
      first_value(i.id) OVER batch AS first_id,
      count(*) OVER batch AS in_batch
    FROM input i
    LEFT JOIN inbound_requests e ON e.source_id = i.source_id AND e.dedupe_key = i.dedupe_key AND e.verdict = 'accepted'
    WHERE i.verdict = 'accepted' AND i.dedupe_key IS NOT NULL
    WINDOW batch AS (PARTITION BY i.source_id, i.dedupe_key ORDER BY i.ord ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
  ), decided AS (
    SELECT i.*, k.existing_id,
      COALESCE(k.existing_id, CASE WHEN k.first_id <> i.id THEN k.first_id END) AS duplicate_of,
      CASE WHEN k.existing_id IS NULL AND k.first_id = i.id THEN k.in_batch - 1 ELSE 0 END AS duplicates
    FROM input i LEFT JOIN keyed k ON k.ord = i.ord
  ), inserted AS (
    INSERT INTO inbound_requests (id, source_id, received_at, method, path, query, headers, body, source_ip, verdict, reject_reason,
      dedupe_key, duplicate_of, duplicates, event_type)
    SELECT id, source_id, received_at, method, path, query, headers::jsonb, body, source_ip,
      CASE WHEN duplicate_of IS NULL THEN verdict ELSE 'duplicate' END, reject_reason, dedupe_key, duplicate_of, duplicates, event_type
    FROM decided ORDER BY ord
    RETURNING id, verdict, duplicate_of
  ), counted AS (
    UPDATE inbound_requests r SET duplicates = r.duplicates + c.n
    FROM (SELECT existing_id, count(*)::int AS n FROM decided WHERE existing_id IS NOT NULL GROUP BY existing_id) c
    WHERE r.id = c.existing_id
  )
  SELECT id, verdict, duplicate_of FROM inserted`);

function batchValues(batch: NewInboundRequest[]): unknown[] {
  return [batch.map((r) => r.id), batch.map((r) => r.sourceId), batch.map((r) => r.receivedAt), batch.map((r) => r.method),
    batch.map((r) => r.path), batch.map((r) => r.query), batch.map((r) => JSON.stringify(r.headers)), batch.map((r) => r.body),
    batch.map((r) => r.sourceIp), batch.map((r) => r.verdict), batch.map((r) => r.rejectReason), batch.map((r) => r.dedupeKey),
    batch.map((r) => r.eventType)];
}

type Recorded = { id: string; verdict: InboundVerdict; duplicate_of: string | null };

/**
 * Group commit: one statement (one round trip, one WAL flush) for the batch. Only if it fails (a
 * taken id, a deleted source, a concurrent commit of the same dedupe key) is the batch redone in a
 * transaction with a savepoint per request, so that only the guilty one fails.
 */
export async function recordInboundRequests(pool: pg.Pool, batch: NewInboundRequest[]): Promise<Array<RecordedInboundRequest | HeraldError>> {
  if (batch.length === 0) return [];
  try {
    const { rows } = await pool.query<Recorded>(recordBatch(batchValues(batch)));
    const byId = new Map(rows.map((row) => [row.id, row]));
    return batch.map((request) => {
      const row = byId.get(request.id)!;
      return { id: row.id, verdict: row.verdict, duplicateOf: row.duplicate_of };
    });
  } catch (error) {
    if (!isPgError(error, UNIQUE_VIOLATION) && !isPgError(error, FOREIGN_KEY_VIOLATION)) throw error;
  }
  return inTransaction(pool, async (client) => {
    const results: Array<RecordedInboundRequest | HeraldError> = [];
    for (const request of batch) results.push(await recordOne(client, request));
    return results;
  });
}

/** One request under a savepoint; a dedupe collision with a concurrent commit is decided again, once. */
async function recordOne(client: pg.PoolClient, request: NewInboundRequest): Promise<RecordedInboundRequest | HeraldError> {
  for (let attempt = 1; ; attempt++) {
    await client.query('SAVEPOINT one_request');
    try {
      const { rows: [row] } = await client.query<Recorded>(recordBatch(batchValues([request])));
      await client.query('RELEASE SAVEPOINT one_request');
      return { id: row!.id, verdict: row!.verdict, duplicateOf: row!.duplicate_of };
    } catch (error) {
      await client.query('ROLLBACK TO SAVEPOINT one_request');
      const constraint = (error as { constraint?: string }).constraint;
      if (isPgError(error, UNIQUE_VIOLATION) && constraint === 'inbound_requests_dedupe' && attempt < 2) continue;
      if (isPgError(error, UNIQUE_VIOLATION)) return new ConflictError(`An inbound request with id "${request.id}" already exists.`);
      if (isPgError(error, FOREIGN_KEY_VIOLATION)) return new NotFoundError('Source');
      throw error;
    }
  }
}

export async function getInboundRequest(db: Queryable, sourceId: string, requestId: string): Promise<InboundRequest | undefined> {
  const { rows } = await db.query<RequestRow>(`SELECT ${REQUEST_COLUMNS} FROM inbound_requests WHERE id = $1 AND source_id = $2`,
    [requestId, sourceId]);
  return rows[0] && toRequest(rows[0]);
}

function filterConditions(filter: InboundRequestFilter, params: Params): string[] {
  const where: string[] = [];
  if (filter.verdict !== undefined) where.push(`verdict = ${params.add(filter.verdict)}`);
  if (filter.before !== undefined) where.push(`received_at < ${params.add(filter.before)}`);
  if (filter.after !== undefined) where.push(`received_at > ${params.add(filter.after)}`);
  return where;
}

export function listInboundRequests(db: Queryable, sourceId: string, filter: PageRequest & InboundRequestFilter): Promise<Page<InboundRequest>> {
  const params = new Params();
  const where = [`source_id = ${params.add(sourceId)}`, ...filterConditions(filter, params)];
  return queryPage(db, `SELECT ${REQUEST_COLUMNS} FROM inbound_requests`, where, params, 'id',
    { ...filter, order: filter.order ?? 'descending' }, toRequest, (request) => request.id);
}

/** SKIP LOCKED: every router process claims at once without waiting on (or double-claiming) another's rows. */
const claimBatch = prepared('herald_claim_inbound', `WITH due AS (
    SELECT id FROM inbound_requests
    WHERE verdict = 'accepted' AND routing_round > routed_round AND leased_until <= $1
    ORDER BY received_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
  )
  UPDATE inbound_requests r SET fence = r.fence + 1, leased_until = $3
  WHERE r.id = ANY(ARRAY(SELECT id FROM due))
  RETURNING ${REQUEST_COLUMNS.replace(/(\w+)/g, 'r.$1')}, r.fence`);

export async function claimInboundRequests(db: Queryable, limit: number, leaseMs: number, now: number): Promise<ClaimedInboundRequest[]> {
  const { rows } = await db.query<RequestRow & { fence: number }>(claimBatch([now, limit, now + leaseMs]));
  if (rows.length === 0) return [];
  rows.sort((a, b) => a.received_at - b.received_at || (a.id < b.id ? -1 : 1));
  const sources = await sourcesByIds(db, [...new Set(rows.map((row) => row.source_id))]);
  // A source deleted between the two reads took its requests with it: nothing to route.
  return rows.filter((row) => sources.has(row.source_id)).map((row) => ({
    request: toRequest(row), source: sources.get(row.source_id)!, fence: row.fence, round: row.routing_round,
  }));
}

/**
 * One statement: the fenced update, and the outcomes only if it applied. Completing bumps the fence
 * too, so that a second completion with the same fence is refused like a stale one.
 */
const completeRouting = prepared('herald_complete_inbound', `WITH done AS (
    UPDATE inbound_requests SET routed_round = GREATEST(routed_round, $3), fence = fence + 1, leased_until = 0
    WHERE id = $1 AND fence = $2 RETURNING id
  ), outcomes AS (
    INSERT INTO inbound_route_outcomes (request_id, round, endpoint_id, outcome, reason, msg_id, created_at)
    SELECT $1, t.round, t.endpoint_id, t.outcome, t.reason, t.msg_id, t.created_at
    FROM unnest($4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[]) AS t(round, endpoint_id, outcome, reason, msg_id, created_at)
    WHERE EXISTS (SELECT 1 FROM done)
    ON CONFLICT (request_id, round, endpoint_id) DO UPDATE SET outcome = excluded.outcome, reason = excluded.reason,
      msg_id = excluded.msg_id, created_at = excluded.created_at
  )
  SELECT count(*)::int AS applied FROM done`);

export async function completeInboundRouting(db: Queryable, done: InboundRoutingDone): Promise<boolean> {
  const o = done.outcomes;
  const { rows } = await db.query<{ applied: number }>(completeRouting([done.requestId, done.fence, done.round,
    o.map((x) => x.round), o.map((x) => x.endpointId), o.map((x) => x.outcome), o.map((x) => x.reason), o.map((x) => x.msgId),
    o.map((x) => x.createdAt)]));
  return rows[0]!.applied === 1;
}

/**
 * A router's whole batch in one statement (one round trip, one commit): each member's update is
 * fenced on its own, and only the outcomes of members whose update applied are written. A claim
 * hands each request out once, so a batch never holds one request twice.
 */
const completeRoutings = prepared('herald_complete_inbound_batch', `WITH input AS (
    SELECT * FROM unnest($1::text[], $2::int[], $3::int[]) AS t(id, fence, round)
  ), done AS (
    UPDATE inbound_requests r SET routed_round = GREATEST(r.routed_round, i.round), fence = r.fence + 1, leased_until = 0
    FROM input i WHERE r.id = i.id AND r.fence = i.fence RETURNING r.id
  ), outcomes AS (
    INSERT INTO inbound_route_outcomes (request_id, round, endpoint_id, outcome, reason, msg_id, created_at)
    SELECT t.request_id, t.round, t.endpoint_id, t.outcome, t.reason, t.msg_id, t.created_at
    FROM unnest($4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[])
      AS t(request_id, round, endpoint_id, outcome, reason, msg_id, created_at)
    WHERE t.request_id IN (SELECT id FROM done)
    ON CONFLICT (request_id, round, endpoint_id) DO UPDATE SET outcome = excluded.outcome, reason = excluded.reason,
      msg_id = excluded.msg_id, created_at = excluded.created_at
  )
  SELECT id FROM done`);

export async function completeInboundRoutings(db: Queryable, batch: InboundRoutingDone[]): Promise<boolean[]> {
  if (batch.length === 0) return [];
  const o = batch.flatMap((done) => done.outcomes.map((outcome) => ({ ...outcome, requestId: done.requestId })));
  const { rows } = await db.query<{ id: string }>(completeRoutings([
    batch.map((done) => done.requestId), batch.map((done) => done.fence), batch.map((done) => done.round),
    o.map((x) => x.requestId), o.map((x) => x.round), o.map((x) => x.endpointId), o.map((x) => x.outcome), o.map((x) => x.reason),
    o.map((x) => x.msgId), o.map((x) => x.createdAt)]));
  const applied = new Set(rows.map((row) => row.id));
  return batch.map((done) => applied.has(done.requestId));
}

export async function expireInboundLeases(db: Queryable): Promise<number> {
  const result = await db.query('UPDATE inbound_requests SET fence = fence + 1, leased_until = 0 WHERE leased_until > 0');
  return result.rowCount ?? 0;
}

export async function listRouteOutcomes(db: Queryable, requestId: string): Promise<RouteOutcome[]> {
  const { rows } = await db.query<{
    request_id: string; round: number; endpoint_id: string; outcome: RouteOutcome['outcome']; reason: string | null; msg_id: string | null;
    created_at: number;
  }>('SELECT * FROM inbound_route_outcomes WHERE request_id = $1 ORDER BY round DESC, endpoint_id', [requestId]);
  return rows.map((row) => ({
    requestId: row.request_id, round: row.round, endpointId: row.endpoint_id, outcome: row.outcome, reason: row.reason,
    msgId: row.msg_id, createdAt: row.created_at,
  }));
}

export async function requeueInboundRequests(db: Queryable, sourceId: string, which: { ids: string[] } | InboundRequestFilter): Promise<number> {
  const params = new Params();
  const where = [`source_id = ${params.add(sourceId)}`, `verdict = 'accepted'`,
    ...('ids' in which ? [`id = ANY(${params.add(which.ids)}::text[])`] : filterConditions(which, params))];
  const result = await db.query(`UPDATE inbound_requests SET routing_round = routing_round + 1 WHERE ${where.join(' AND ')}`, params.values);
  return result.rowCount ?? 0;
}

export async function acceptRejectedInboundRequest(pool: pg.Pool, sourceId: string, requestId: string, dedupeKey: string | null): Promise<InboundVerdict> {
  // A concurrent commit of the same key collides on the unique index: decided again, once, as a duplicate.
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(pool, async (client) => {
        const { rows: [row] } = await client.query<{ verdict: InboundVerdict }>(
          'SELECT verdict FROM inbound_requests WHERE id = $1 AND source_id = $2 FOR UPDATE', [requestId, sourceId]);
        if (!row) throw new NotFoundError('Inbound request');
        if (row.verdict !== 'rejected') return row.verdict;
        const { rows: [original] } = dedupeKey === null ? { rows: [] } : await client.query<{ id: string }>(
          `SELECT id FROM inbound_requests WHERE source_id = $1 AND dedupe_key = $2 AND verdict = 'accepted'`, [sourceId, dedupeKey]);
        const verdict: InboundVerdict = original ? 'duplicate' : 'accepted';
        await client.query('UPDATE inbound_requests SET verdict = $1, reject_reason = NULL, dedupe_key = $2, duplicate_of = $3 WHERE id = $4',
          [verdict, dedupeKey, original?.id ?? null, requestId]);
        if (original) await client.query('UPDATE inbound_requests SET duplicates = duplicates + 1 WHERE id = $1', [original.id]);
        return verdict;
      });
    } catch (error) {
      if (!isPgError(error, UNIQUE_VIOLATION) || attempt >= 2) throw error;
    }
  }
}

export async function purgeRejectedInboundBodies(db: Queryable, olderThan: number): Promise<number> {
  const result = await db.query(`UPDATE inbound_requests SET body = NULL
    WHERE verdict = 'rejected' AND body IS NOT NULL AND received_at < $1`, [olderThan]);
  return result.rowCount ?? 0;
}
