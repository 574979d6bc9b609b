import { MessageStatus, type Attempt } from '@herald/core';
import type { ClaimedDelivery, DeliveryRelease, DeliveryResult, QueueStats } from '@herald/storage';
import { prepared, type Queryable } from '../sql.ts';
import { activeSecrets, toEndpoint, toMessage, type EndpointRow, type MessageRow } from '../rows.ts';

/** The channel a worker LISTENs on: notified when deliveries were committed, due now. */
export const DELIVERIES_CHANNEL = 'herald_deliveries';

/** Every column of the row type R, checked by the compiler: a column added to R cannot be left out of a claim. */
const allColumnsOf = <R>() => <const C extends ReadonlyArray<keyof R & string>>(
  columns: C & (Exclude<keyof R, C[number]> extends never ? unknown : never),
): C => columns;
const MESSAGE_COLUMNS = allColumnsOf<MessageRow>()(['id', 'app_id', 'event_type', 'event_id', 'channels', 'tags', 'payload', 'created_at', 'headers',
  'trace_parent']);
const ENDPOINT_COLUMNS = allColumnsOf<EndpointRow>()(['id', 'app_id', 'uid', 'url', 'description', 'disabled', 'event_types', 'channels',
  'headers', 'throttle_rate', 'metadata', 'version', 'secrets', 'failing_since', 'created_at', 'updated_at', 'verification',
  'filter', 'forward_headers']);
const selected = (alias: string, columns: readonly string[]) => columns.map((column) => `${alias}.${column} AS ${alias}_${column}`).join(', ');

/**
 * Every join is through a primary key given as an array (= ANY), so each stays a few index
 * lookups whatever the planner believes about the tables' sizes: a plan cached while they were
 * small would otherwise scan all of messages or endpoints on every claim. Columns are named, not
 * whole rows (to_jsonb(m)), which Postgres would first have to build and then serialise.
 */
const leaseBatch = prepared('herald_lease_due', `WITH due AS (
      SELECT id FROM deliveries WHERE status IN (${MessageStatus.Pending}, ${MessageStatus.Sending}) AND available_at <= $1
        AND endpoint_id <> ALL($4::text[])
      ORDER BY available_at LIMIT $2 FOR UPDATE SKIP LOCKED
    ), leased AS (
      UPDATE deliveries d SET status = ${MessageStatus.Sending}, available_at = $3, fence = d.fence + 1, updated_at = $1
      WHERE d.id = ANY(ARRAY(SELECT id FROM due))
      RETURNING d.id, d.msg_id, d.endpoint_id, d.fence, d.attempt_count, d.trigger_type
    )
    SELECT l.id AS delivery_id, l.fence, l.attempt_count, l.trigger_type, ${selected('m', MESSAGE_COLUMNS)}, ${selected('e', ENDPOINT_COLUMNS)}
    FROM leased l JOIN messages m ON m.id = l.msg_id JOIN endpoints e ON e.id = l.endpoint_id
    WHERE m.id = ANY(ARRAY(SELECT msg_id FROM leased)) AND e.id = ANY(ARRAY(SELECT endpoint_id FROM leased))
    ORDER BY l.id`);

type Prefixed<P extends string, R> = { [K in keyof R & string as `${P}_${K}`]: R[K] };
type ClaimRow = { delivery_id: number; fence: number; attempt_count: number; trigger_type: number }
  & Prefixed<'m', MessageRow> & Prefixed<'e', EndpointRow>;

function unprefixed<R>(row: Record<string, unknown>, prefix: string, columns: readonly string[]): R {
  return Object.fromEntries(columns.map((column) => [column, row[`${prefix}_${column}`]])) as R;
}

/**
 * Leases up to `limit` due deliveries in one statement. SKIP LOCKED lets every worker claim at
 * once without waiting on (or double-claiming) rows another worker is claiming; the fence bump
 * voids whatever a previous holder of the lease may still try to write. Deliveries to
 * `skipEndpointIds` are passed over without being locked, so the next due rows are taken instead.
 */
export async function leaseDue(db: Queryable, limit: number, leaseMs: number, now: number, skipEndpointIds: readonly string[]): Promise<ClaimedDelivery[]> {
  const { rows } = await db.query<ClaimRow>(leaseBatch([now, limit, now + leaseMs, skipEndpointIds]));
  return rows.map((row) => {
    const endpoint = unprefixed<EndpointRow>(row, 'e', ENDPOINT_COLUMNS);
    return {
      deliveryId: String(row.delivery_id),
      fence: row.fence,
      attemptCount: row.attempt_count,
      triggerType: row.trigger_type,
      message: toMessage(unprefixed<MessageRow>(row, 'm', MESSAGE_COLUMNS)),
      endpoint: toEndpoint(endpoint),
      secrets: activeSecrets(endpoint.secrets, now),
    };
  });
}

const writeBatch = prepared('herald_write_results', `WITH input AS (
      SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::smallint[], $4::bigint[], $5::bool[], $6::bool[],
        $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::smallint[], $13::int[], $14::text[], $15::int[],
        $16::smallint[], $17::bigint[], $19::text[])
        AS t(delivery_id, fence, status, available_at, attempted, disable, id, msg_id, endpoint_id, app_id, url, a_status,
          response_status_code, response, response_duration_ms, trigger_type, created_at, request_headers)
    ), applied AS (
      UPDATE deliveries d SET status = i.status, available_at = i.available_at,
        attempt_count = d.attempt_count + i.attempted::int, updated_at = $18
      FROM input i WHERE d.id = ANY($1::bigint[]) AND d.id = i.delivery_id AND d.fence = i.fence
      RETURNING d.id
    ), recorded AS (
      SELECT i.* FROM input i JOIN applied a ON a.id = i.delivery_id WHERE i.attempted
    ), new_attempts AS (
      INSERT INTO attempts (id, msg_id, endpoint_id, app_id, url, status, response_status_code, response,
        response_duration_ms, trigger_type, created_at, request_headers)
      SELECT id, msg_id, endpoint_id, app_id, url, a_status, response_status_code, response, response_duration_ms,
        trigger_type, created_at, request_headers::json FROM recorded
    ), runs AS (
      SELECT endpoint_id, a_status, created_at, disable,
        max(created_at) FILTER (WHERE a_status = ${MessageStatus.Success}) OVER (PARTITION BY endpoint_id) AS last_success
      FROM recorded
    ), health AS (
      SELECT endpoint_id, bool_or(last_success IS NOT NULL) AS healthy, bool_or(disable) AS disable,
        min(created_at) FILTER (WHERE a_status <> ${MessageStatus.Success} AND created_at > coalesce(last_success, -1)) AS failing_from
      FROM runs GROUP BY endpoint_id
    ), endpoint_changes AS (
      UPDATE endpoints e SET
        failing_since = CASE WHEN h.healthy THEN h.failing_from ELSE coalesce(e.failing_since, h.failing_from) END,
        disabled = e.disabled OR h.disable,
        updated_at = CASE WHEN h.disable THEN $18 ELSE e.updated_at END
      FROM health h
      WHERE e.id = h.endpoint_id AND (h.disable
        OR e.failing_since IS DISTINCT FROM (CASE WHEN h.healthy THEN h.failing_from ELSE coalesce(e.failing_since, h.failing_from) END))
    )
    SELECT id FROM applied`);

const statusOf = (result: DeliveryResult): MessageStatus =>
  result.outcome.kind === 'success' ? MessageStatus.Success : result.outcome.kind === 'retry' ? MessageStatus.Pending : MessageStatus.Fail;

/**
 * Applies a batch of results in one statement: the fenced UPDATE of every delivery, the INSERT of
 * the attempts of those that applied, and one UPDATE of the endpoints whose health or state they
 * change. Only results that applied (their fence still current) touch attempts or endpoints.
 * Endpoint health, once per endpoint per batch: the current run of failures starts at the first
 * failure after the batch's last success; a success with no failure after it ends the run.
 */
export async function writeResults(db: Queryable, results: DeliveryResult[], now: number): Promise<boolean[]> {
  if (results.length === 0) return [];
  const attempt = <K extends keyof Attempt>(key: K, fallback: Attempt[K]) => results.map((r) => (r.attempt ? r.attempt[key] : fallback));
  const { rows } = await db.query<{ id: number }>(writeBatch([results.map((r) => Number(r.deliveryId)), results.map((r) => r.fence), results.map(statusOf),
    results.map((r) => (r.outcome.kind === 'retry' ? r.outcome.nextAttemptAt : now)), results.map((r) => r.attempt !== null),
    results.map((r) => r.disableEndpoint), attempt('id', ''), attempt('msgId', ''), attempt('endpointId', ''), attempt('appId', ''),
    attempt('url', ''), attempt('status', MessageStatus.Fail), attempt('responseStatusCode', 0), attempt('response', ''),
    attempt('responseDurationMs', 0), attempt('triggerType', 0), attempt('createdAt', 0), now,
    results.map((r) => (r.attempt?.requestHeaders ? JSON.stringify(r.attempt.requestHeaders) : null))]));
  const appliedIds = new Set(rows.map((row) => String(row.id)));
  return results.map((r) => appliedIds.has(r.deliveryId));
}

export async function releaseDeliveries(db: Queryable, leases: DeliveryRelease[], now: number): Promise<void> {
  if (leases.length === 0) return;
  await db.query(`UPDATE deliveries d SET status = ${MessageStatus.Pending}, available_at = t.available_at, updated_at = $4
    FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS t(id, fence, available_at)
    WHERE d.id = ANY($1::bigint[]) AND d.id = t.id AND d.fence = t.fence AND d.status = ${MessageStatus.Sending}`,
  [leases.map((l) => Number(l.deliveryId)), leases.map((l) => l.fence), leases.map((l) => l.availableAt), now]);
}

/** Moves the end of leases still held under the given fences (availableAt is the new end). */
export async function renewLeases(db: Queryable, leases: DeliveryRelease[], now: number): Promise<void> {
  if (leases.length === 0) return;
  await db.query(`UPDATE deliveries d SET available_at = t.available_at, updated_at = $4
    FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS t(id, fence, available_at)
    WHERE d.id = ANY($1::bigint[]) AND d.id = t.id AND d.fence = t.fence AND d.status = ${MessageStatus.Sending}`,
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

const selectNextDue = prepared('herald_next_due', 'SELECT min(available_at) AS next FROM deliveries WHERE status IN (1, 3)');

export async function nextDueAt(db: Queryable): Promise<number | null> {
  const { rows } = await db.query<{ next: number | null }>(selectNextDue([]));
  return rows[0]!.next;
}
