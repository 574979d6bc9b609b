import { ConflictError, NotFoundError, type PollingEndpoint } from '@herald/core';
import type {
  LoggedMessage, NewPollingEndpoint, Page, PageRequest, PollPosition, PollerConsumer, PollingEndpointChanges,
} from '@herald/storage';
import { FOREIGN_KEY_VIOLATION, Params, UNIQUE_VIOLATION, isPgError, queryPage, type Queryable } from '../sql.ts';
import { jsonOrNull, toMessage, type MessageRow } from '../rows.ts';

interface PollerRow {
  id: string; app_id: string; uid: string | null; filter_types: string[] | null; channels: string[] | null;
  description: string; token_sha256: string; created_at: string | number; updated_at: string | number;
}
interface ConsumerRow { poller_id: string; consumer_id: string; position_tx: string; position_seq: string; updated_at: string | number }

const toPoller = (row: PollerRow): PollingEndpoint => ({
  id: row.id, appId: row.app_id, uid: row.uid, filterTypes: row.filter_types, channels: row.channels,
  description: row.description, tokenSha256: row.token_sha256, createdAt: Number(row.created_at), updatedAt: Number(row.updated_at),
});
const toConsumer = (row: ConsumerRow): PollerConsumer => ({
  pollerId: row.poller_id, consumerId: row.consumer_id, position: { tx: row.position_tx, seq: row.position_seq }, updatedAt: Number(row.updated_at),
});

function pollerWriteError(error: unknown, uid: string | null): unknown {
  if (isPgError(error, FOREIGN_KEY_VIOLATION)) return new NotFoundError('Application');
  if (isPgError(error, UNIQUE_VIOLATION)) return new ConflictError(`A polling endpoint with uid "${uid}" already exists in this application.`);
  return error;
}

export async function createPollingEndpoint(db: Queryable, input: NewPollingEndpoint, now: number): Promise<PollingEndpoint> {
  try {
    const { rows } = await db.query<PollerRow>(`INSERT INTO polling_endpoints
      (id, app_id, uid, filter_types, channels, description, token_sha256, created_at, updated_at)
      VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, $8, $8) RETURNING *`,
    [input.id, input.appId, input.uid, jsonOrNull(input.filterTypes), jsonOrNull(input.channels), input.description, input.tokenSha256, now]);
    return toPoller(rows[0]!);
  } catch (error) {
    throw pollerWriteError(error, input.uid);
  }
}

export async function getPollingEndpoint(db: Queryable, appId: string, idOrUid: string): Promise<PollingEndpoint | undefined> {
  const { rows } = await db.query<PollerRow>(
    'SELECT * FROM polling_endpoints WHERE app_id = $1 AND (id = $2 OR uid = $2) ORDER BY id = $2 DESC LIMIT 1', [appId, idOrUid]);
  return rows[0] && toPoller(rows[0]);
}

export async function getPollingEndpointByTokenHash(db: Queryable, tokenSha256: string): Promise<PollingEndpoint | undefined> {
  const { rows } = await db.query<PollerRow>('SELECT * FROM polling_endpoints WHERE token_sha256 = $1', [tokenSha256]);
  return rows[0] && toPoller(rows[0]);
}

export function listPollingEndpoints(db: Queryable, appId: string, request: PageRequest): Promise<Page<PollingEndpoint>> {
  const params = new Params();
  return queryPage(db, 'SELECT * FROM polling_endpoints', [`app_id = ${params.add(appId)}`], params, 'id', request, toPoller, (p) => p.id);
}

/** One statement; a field left out keeps its stored value. */
export async function updatePollingEndpoint(db: Queryable, appId: string, id: string, changes: PollingEndpointChanges, now: number): Promise<PollingEndpoint> {
  try {
    const { rows } = await db.query<PollerRow>(`UPDATE polling_endpoints SET
        uid = CASE WHEN $3::boolean THEN $4 ELSE uid END,
        filter_types = CASE WHEN $5::boolean THEN $6::jsonb ELSE filter_types END,
        channels = CASE WHEN $7::boolean THEN $8::jsonb ELSE channels END,
        description = COALESCE($9, description),
        updated_at = $10
      WHERE app_id = $1 AND id = $2 RETURNING *`,
    [appId, id, changes.uid !== undefined, changes.uid ?? null, changes.filterTypes !== undefined, jsonOrNull(changes.filterTypes ?? null),
      changes.channels !== undefined, jsonOrNull(changes.channels ?? null), changes.description ?? null, now]);
    if (!rows[0]) throw new NotFoundError('Polling endpoint');
    return toPoller(rows[0]);
  } catch (error) {
    throw pollerWriteError(error, changes.uid ?? null);
  }
}

export async function deletePollingEndpoint(db: Queryable, appId: string, id: string): Promise<boolean> {
  const result = await db.query('DELETE FROM polling_endpoints WHERE app_id = $1 AND id = $2', [appId, id]);
  return (result.rowCount ?? 0) > 0;
}

/**
 * The log is ordered by (poll_tx, poll_seq), and read only below a horizon: the oldest transaction
 * still running in this database (or, with none, the first that has not started), so no row can
 * ever appear below it again, and a reader continuing from the last position it got skips nothing
 * (see migration 0006). Transactions of other databases of the cluster are left out of the horizon
 * when pg_stat_activity shows they are elsewhere: they cannot write these messages, and another
 * database's long transaction must not hold this one's readers back. One not shown (a finished
 * one, or one this role may not see) counts: that only delays a message, never skips one.
 * Rejected: plain pg_snapshot_xmin, which any long writing transaction in the cluster holds back,
 * and numbering messages at commit under an exclusive lock, which would serialize every commit.
 */
const HORIZON = `(SELECT COALESCE(min(x), pg_snapshot_xmax(pg_current_snapshot()))
  FROM pg_snapshot_xip(pg_current_snapshot()) AS x
  WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a
    WHERE a.backend_xid = x::xid AND a.datid IS NOT NULL AND a.datname <> current_database()))`;
const BELOW_HORIZON = `poll_tx < ${HORIZON}`;

export async function readMessageLog(db: Queryable, appId: string, after: PollPosition, limit: number): Promise<LoggedMessage[]> {
  const { rows } = await db.query<MessageRow & { log_tx: string; log_seq: string }>(
    `SELECT m.*, m.poll_tx::text AS log_tx, m.poll_seq::text AS log_seq FROM messages m
     WHERE m.app_id = $1 AND (m.poll_tx, m.poll_seq) > ($2::text::xid8, $3::bigint) AND ${BELOW_HORIZON}
     ORDER BY m.poll_tx, m.poll_seq LIMIT $4`, [appId, after.tx, after.seq, limit]);
  return rows.map((row) => ({ position: { tx: row.log_tx, seq: row.log_seq }, message: toMessage(row) }));
}

export async function messageLogPositionAt(db: Queryable, appId: string, time: number): Promise<PollPosition> {
  const { rows } = await db.query<{ tx: string; seq: string }>(
    `SELECT * FROM (
       (SELECT poll_tx::text AS tx, (poll_seq - 1)::text AS seq, 0 AS rank FROM messages
        WHERE app_id = $1 AND created_at >= $2 AND ${BELOW_HORIZON} ORDER BY poll_tx, poll_seq LIMIT 1)
       UNION ALL
       (SELECT poll_tx::text, poll_seq::text, 1 FROM messages WHERE app_id = $1 AND ${BELOW_HORIZON}
        ORDER BY poll_tx DESC, poll_seq DESC LIMIT 1)
     ) AS candidates ORDER BY rank LIMIT 1`, [appId, time]);
  return rows[0] ? { tx: rows[0].tx, seq: rows[0].seq } : { tx: '0', seq: '0' };
}

export async function getPollerConsumer(db: Queryable, pollerId: string, consumerId: string): Promise<PollerConsumer | undefined> {
  const { rows } = await db.query<ConsumerRow>(`SELECT poller_id, consumer_id, position_tx::text AS position_tx, position_seq::text AS position_seq, updated_at
    FROM polling_consumers WHERE poller_id = $1 AND consumer_id = $2`, [pollerId, consumerId]);
  return rows[0] && toConsumer(rows[0]);
}

export async function savePollerConsumer(db: Queryable, pollerId: string, consumerId: string, position: PollPosition, now: number): Promise<void> {
  try {
    await db.query(`INSERT INTO polling_consumers (poller_id, consumer_id, position_tx, position_seq, updated_at)
      VALUES ($1, $2, $3::text::xid8, $4::bigint, $5)
      ON CONFLICT (poller_id, consumer_id) DO UPDATE SET position_tx = excluded.position_tx, position_seq = excluded.position_seq,
        updated_at = excluded.updated_at`, [pollerId, consumerId, position.tx, position.seq, now]);
  } catch (error) {
    if (isPgError(error, FOREIGN_KEY_VIOLATION)) throw new NotFoundError('Polling endpoint');
    throw error;
  }
}

export async function listPollerConsumers(db: Queryable, pollerId: string): Promise<PollerConsumer[]> {
  const { rows } = await db.query<ConsumerRow>(`SELECT poller_id, consumer_id, position_tx::text AS position_tx, position_seq::text AS position_seq, updated_at
    FROM polling_consumers WHERE poller_id = $1 ORDER BY consumer_id`, [pollerId]);
  return rows.map(toConsumer);
}
