import { MessageStatus, type Attempt } from '@herald/core';
import type { ClaimedDelivery, DeliveryRelease, DeliveryResult, QueueStats } from '@herald/storage';
import type { Queryable } from '../sql.ts';
import { activeSecrets, toEndpoint, toMessage, type EndpointRow, type MessageRow } from '../rows.ts';

/** The channel a worker LISTENs on: notified when deliveries were committed, due now. */
export const DELIVERIES_CHANNEL = 'herald_deliveries';

interface ClaimRow {
  delivery_id: number; fence: number; attempt_count: number; trigger_type: number; message: MessageRow; endpoint: EndpointRow;
}

/**
 * Leases up to `limit` due deliveries in one statement. SKIP LOCKED lets every worker claim at
 * once without waiting on (or double-claiming) rows another worker is claiming; the fence bump
 * voids whatever a previous holder of the lease may still try to write.
 */
export async function leaseDue(db: Queryable, limit: number, leaseMs: number, now: number): Promise<ClaimedDelivery[]> {
  const { rows } = await db.query<ClaimRow>(`WITH due AS (
      SELECT id FROM deliveries WHERE status IN (${MessageStatus.Pending}, ${MessageStatus.Sending}) AND available_at <= $1
      ORDER BY available_at LIMIT $2 FOR UPDATE SKIP LOCKED
    ), leased AS (
      UPDATE deliveries d SET status = ${MessageStatus.Sending}, available_at = $3, fence = d.fence + 1, updated_at = $1
      FROM due WHERE d.id = due.id
      RETURNING d.id, d.msg_id, d.endpoint_id, d.fence, d.attempt_count, d.trigger_type
    )
    SELECT l.id AS delivery_id, l.fence, l.attempt_count, l.trigger_type, to_jsonb(m) AS message, to_jsonb(e) AS endpoint
    FROM leased l JOIN messages m ON m.id = l.msg_id JOIN endpoints e ON e.id = l.endpoint_id
    ORDER BY l.id`,
  [now, limit, now + leaseMs]);
  return rows.map((row) => ({
    deliveryId: String(row.delivery_id),
    fence: row.fence,
    attemptCount: row.attempt_count,
    triggerType: row.trigger_type,
    message: toMessage(row.message),
    endpoint: toEndpoint(row.endpoint),
    secrets: activeSecrets(row.endpoint.secrets, now),
  }));
}

const statusOf = (result: DeliveryResult): MessageStatus =>
  result.outcome.kind === 'success' ? MessageStatus.Success : result.outcome.kind === 'retry' ? MessageStatus.Pending : MessageStatus.Fail;

/**
 * Applies a batch of results with a handful of statements: one fenced UPDATE for every delivery,
 * one INSERT for the attempts of those that applied, one UPDATE for endpoint health and one for
 * disabling. Must run inside a transaction.
 */
export async function writeResults(db: Queryable, results: DeliveryResult[], now: number): Promise<boolean[]> {
  if (results.length === 0) return [];
  // Rows are locked in id order, so two workers' batches can never wait on each other in a cycle.
  const ordered = [...results].sort((a, b) => Number(a.deliveryId) - Number(b.deliveryId));
  const { rows } = await db.query<{ id: number }>(`UPDATE deliveries d SET status = t.status, available_at = t.available_at,
      attempt_count = d.attempt_count + t.attempted, updated_at = $6
    FROM unnest($1::bigint[], $2::bigint[], $3::smallint[], $4::bigint[], $5::int[]) AS t(id, fence, status, available_at, attempted)
    WHERE d.id = t.id AND d.fence = t.fence
    RETURNING d.id`,
  [ordered.map((r) => Number(r.deliveryId)), ordered.map((r) => r.fence), ordered.map(statusOf),
    ordered.map((r) => (r.outcome.kind === 'retry' ? r.outcome.nextAttemptAt : now)), ordered.map((r) => (r.attempt ? 1 : 0)), now]);
  const appliedIds = new Set(rows.map((row) => String(row.id)));
  const applied = results.filter((r) => appliedIds.has(r.deliveryId));
  const attempts = applied.flatMap((r) => (r.attempt ? [r.attempt] : []));
  if (attempts.length > 0) await insertAttempts(db, attempts);
  await updateHealth(db, attempts);
  const disabled = [...new Set(applied.filter((r) => r.disableEndpoint && r.attempt).map((r) => r.attempt!.endpointId))].sort();
  if (disabled.length > 0) await db.query('UPDATE endpoints SET disabled = true, updated_at = $1 WHERE id = ANY($2::text[])', [now, disabled]);
  return results.map((r) => appliedIds.has(r.deliveryId));
}

async function insertAttempts(db: Queryable, attempts: Attempt[]): Promise<void> {
  const column = <K extends keyof Attempt>(key: K) => attempts.map((a) => a[key]);
  await db.query(`INSERT INTO attempts (id, msg_id, endpoint_id, app_id, url, status, response_status_code, response,
      response_duration_ms, trigger_type, created_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::smallint[], $7::int[], $8::text[],
      $9::int[], $10::smallint[], $11::bigint[])`,
  [column('id'), column('msgId'), column('endpointId'), column('appId'), column('url'), column('status'),
    column('responseStatusCode'), column('response'), column('responseDurationMs'), column('triggerType'), column('createdAt')]);
}

/**
 * Endpoint health, once per endpoint per batch: the current run of failures starts at the first
 * failure after the batch's last success; a success with no failure after it ends the run.
 */
async function updateHealth(db: Queryable, attempts: Attempt[]): Promise<void> {
  const byEndpoint = new Map<string, Attempt[]>();
  for (const attempt of attempts) byEndpoint.set(attempt.endpointId, [...(byEndpoint.get(attempt.endpointId) ?? []), attempt]);
  const ids: string[] = [];
  const healthy: boolean[] = [];
  const failingFrom: Array<number | null> = [];
  for (const [endpointId, list] of [...byEndpoint].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const lastSuccess = Math.max(...list.filter((a) => a.status === MessageStatus.Success).map((a) => a.createdAt));
    const failures = list.filter((a) => a.status !== MessageStatus.Success && a.createdAt > lastSuccess);
    ids.push(endpointId);
    healthy.push(lastSuccess > -Infinity);
    failingFrom.push(failures.length > 0 ? Math.min(...failures.map((a) => a.createdAt)) : null);
  }
  if (ids.length === 0) return;
  const next = 'CASE WHEN t.healthy THEN t.failing_from ELSE coalesce(e.failing_since, t.failing_from) END';
  await db.query(`UPDATE endpoints e SET failing_since = ${next}
    FROM unnest($1::text[], $2::bool[], $3::bigint[]) AS t(id, healthy, failing_from)
    WHERE e.id = t.id AND e.failing_since IS DISTINCT FROM ${next}`,
  [ids, healthy, failingFrom]);
}

export async function releaseDeliveries(db: Queryable, leases: DeliveryRelease[], now: number): Promise<void> {
  if (leases.length === 0) return;
  await db.query(`UPDATE deliveries d SET status = ${MessageStatus.Pending}, available_at = t.available_at, updated_at = $4
    FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS t(id, fence, available_at)
    WHERE d.id = t.id AND d.fence = t.fence AND d.status = ${MessageStatus.Sending}`,
  [leases.map((l) => Number(l.deliveryId)), leases.map((l) => l.fence), leases.map((l) => l.availableAt), now]);
}

export async function expireAllLeases(db: Queryable, now: number): Promise<number> {
  const result = await db.query(`UPDATE deliveries SET status = ${MessageStatus.Pending}, available_at = $1, fence = fence + 1,
    updated_at = $1 WHERE status = ${MessageStatus.Sending}`, [now]);
  return result.rowCount ?? 0;
}

export async function queueStats(db: Queryable, now: number): Promise<QueueStats> {
  const { rows } = await db.query<{ depth: number; oldest: number | null }>(`SELECT count(*)::int AS depth,
    min(available_at) FILTER (WHERE available_at <= $1) AS oldest FROM deliveries WHERE status IN (1, 3)`, [now]);
  return { depth: rows[0]!.depth, oldestDueAt: rows[0]!.oldest };
}

export async function nextDueAt(db: Queryable): Promise<number | null> {
  const { rows } = await db.query<{ next: number | null }>('SELECT min(available_at) AS next FROM deliveries WHERE status IN (1, 3)');
  return rows[0]!.next;
}
