import { ConflictError, InvalidDataError, MessageStatus, NotFoundError, UnavailableError, chooseEndpoints, type HeraldError, type Message } from '@herald/core';
import type { EndpointMessage, MessageDestination, MessageFilter, NewMessage, Page, PageRequest } from '@herald/storage';
import type pg from 'pg';
import { FOREIGN_KEY_VIOLATION, Params, UNIQUE_VIOLATION, inTransaction, isDataError, isPgError, lockFanOut, prepared, queryPage, type Queryable } from '../sql.ts';
import { jsonOrNull, toEndpoint, toMessage, type EndpointRow, type MessageRow } from '../rows.ts';
import { DELIVERIES_CHANNEL } from './queue.ts';

// Named by version: a process still running the previous text keeps its own prepared statement.
const insertBatch = prepared('herald_insert_messages_v4', `WITH new_messages AS (
    INSERT INTO messages (id, app_id, event_type, event_id, channels, tags, payload, created_at, headers, trace_parent)
    SELECT id, app_id, event_type, event_id, channels::jsonb, tags::jsonb, payload, created_at, headers::jsonb, trace_parent
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $18::text[], $6::text[], $7::bigint[], $19::text[],
      $20::text[]) AS t(id, app_id, event_type, event_id, channels, tags, payload, created_at, headers, trace_parent)
  ), new_deliveries AS (
    INSERT INTO deliveries (msg_id, endpoint_id, app_id, status, available_at, created_at, updated_at)
    SELECT t.msg_id, e.id, e.app_id, ${MessageStatus.Pending}, $11, $11, $11
    FROM unnest($8::text[], $9::text[], $10::text[]) AS t(msg_id, app_id, endpoint_id)
    JOIN endpoints e ON e.id = t.endpoint_id AND e.app_id = t.app_id WHERE e.id = ANY($10::text[])
  ), new_keys AS (
    INSERT INTO idempotency_keys (scope, key, request_hash, status, body, created_at)
    SELECT * FROM unnest($12::text[], $13::text[], $14::text[], $15::int[], $16::text[], $17::bigint[])
    ON CONFLICT (scope, key) DO UPDATE SET request_hash = excluded.request_hash, status = excluded.status,
      body = excluded.body, created_at = excluded.created_at
  )
  SELECT pg_notify('${DELIVERIES_CHANNEL}', '')`);

/**
 * Inserts messages, their deliveries and idempotency keys in one statement whatever the batch size
 * (data-modifying CTEs; foreign keys are checked at the statement's end, when the messages exist),
 * and notifies the workers, which Postgres does when the transaction commits. The fan-out was
 * computed before: an endpoint deleted since (or not of this application) is skipped rather than
 * failing the message with a foreign-key error.
 */
export async function insertMessages(db: Queryable, batch: Array<NewMessage & { endpointIds: string[] }>, now: number): Promise<void> {
  const messages = batch.map((item) => item.message);
  const targets = batch.flatMap((item) => item.endpointIds.map((endpointId) => [item.message.id, item.message.appId, endpointId] as const));
  const keys = batch.flatMap((item) => (item.idempotency ? [item.idempotency] : []));
  await db.query(insertBatch(
  [messages.map((m) => m.id), messages.map((m) => m.appId), messages.map((m) => m.eventType), messages.map((m) => m.eventId),
    messages.map((m) => jsonOrNull(m.channels)), messages.map((m) => m.payload), messages.map((m) => m.createdAt),
    targets.map((t) => t[0]), targets.map((t) => t[1]), targets.map((t) => t[2]), now,
    keys.map((k) => k.scope), keys.map((k) => k.key), keys.map((k) => k.requestHash), keys.map((k) => k.status),
    keys.map((k) => k.body), keys.map((k) => k.createdAt), messages.map((m) => jsonOrNull(m.tags)),
    messages.map((m) => jsonOrNull(m.headers)), messages.map((m) => m.traceparent ?? null)]));
}

/**
 * The whole batch commits at once: almost always every message is fine, so it is first tried as
 * one statement (one round trip, one WAL flush), or, when some message leaves its fan-out to the
 * store, as that statement after the fan-out read in one short transaction; if that fails for any reason but an outage, it is
 * redone in a transaction with a savepoint per message, so that a bad one (a duplicate eventId, a
 * deleted application, a value the database refuses) is rolled back alone. Falling back only for
 * the expected conflicts once let one tenant's NUL in a channel fail every tenant's messages that
 * shared its batch, with a 503 their clients retried forever.
 */
export async function createMessages(pool: pg.Pool, batch: NewMessage[], now: number): Promise<Array<HeraldError | null>> {
  try {
    if (batch.every(hasTargets)) await insertMessages(pool, batch, now);
    else await inTransaction(pool, async (client) => insertMessages(client, await fanOut(client, batch), now));
    return batch.map(() => null);
  } catch (error) {
    // Nothing can be committed while the database is away; each message alone would fail the same.
    if (error instanceof UnavailableError) throw error;
  }
  return inTransaction(pool, async (client) => {
    const targeted = await fanOut(client, batch);
    const results: Array<HeraldError | null> = [];
    for (const item of targeted) {
      await client.query('SAVEPOINT one_message');
      try {
        await insertMessages(client, [item], now);
        await client.query('RELEASE SAVEPOINT one_message');
        results.push(null);
      } catch (error) {
        await client.query('ROLLBACK TO SAVEPOINT one_message');
        results.push(messageInsertError(error, item.message));
      }
    }
    return results;
  });
}

const hasTargets = (item: NewMessage): item is NewMessage & { endpointIds: string[] } => item.endpointIds !== undefined;

/**
 * Fills in the subscribed endpoints of each message that names none, read in the committing
 * transaction after taking its application's fan-out lock in shared mode. Endpoint creation takes
 * that lock exclusively, so either it committed before this read (which then sees it) or it waits
 * until this transaction has committed: a message committed after an endpoint's creation committed
 * always reaches it. Under READ COMMITTED a read without the lock could miss an endpoint committed
 * between the read and this commit.
 */
async function fanOut(client: Queryable, batch: NewMessage[]): Promise<Array<NewMessage & { endpointIds: string[] }>> {
  const appIds = [...new Set(batch.filter((item) => !hasTargets(item)).map((item) => item.message.appId))].sort();
  if (appIds.length === 0) return batch as Array<NewMessage & { endpointIds: string[] }>;
  await lockFanOut(client, appIds, 'shared');
  const { rows } = await client.query<EndpointRow>('SELECT * FROM endpoints WHERE app_id = ANY($1::text[])', [appIds]);
  const endpoints = rows.map(toEndpoint);
  return batch.map((item) => (hasTargets(item) ? item : {
    ...item,
    // Subscription and payload filter (core's chooseEndpoints), judged under the fan-out lock.
    endpointIds: chooseEndpoints(endpoints.filter((endpoint) => endpoint.appId === item.message.appId), item.message)
      .map((endpoint) => endpoint.id),
  }));
}

function messageInsertError(error: unknown, message: Message): HeraldError {
  if (isPgError(error, UNIQUE_VIOLATION)) return new ConflictError(`A message with eventId "${message.eventId}" already exists.`);
  if (isPgError(error, FOREIGN_KEY_VIOLATION)) return new NotFoundError('Application');
  if (isDataError(error)) return Object.assign(new InvalidDataError(), { cause: error });
  throw error;
}

export async function getMessage(db: Queryable, appId: string, idOrEventId: string): Promise<Message | undefined> {
  const { rows } = await db.query<MessageRow>('SELECT * FROM messages WHERE app_id = $1 AND (id = $2 OR event_id = $2) LIMIT 1', [appId, idOrEventId]);
  return rows[0] && toMessage(rows[0]);
}

function messageConditions(alias: string, filter: MessageFilter, params: Params): string[] {
  const where: string[] = [];
  if (filter.eventTypes && filter.eventTypes.length > 0) where.push(`${alias}.event_type = ANY(${params.add(filter.eventTypes)}::text[])`);
  if (filter.channel !== undefined) where.push(`${alias}.channels ? ${params.add(filter.channel)}`);
  if (filter.tag !== undefined) where.push(`${alias}.tags ? ${params.add(filter.tag)}`);
  if (filter.before !== undefined) where.push(`${alias}.created_at < ${params.add(filter.before)}`);
  if (filter.after !== undefined) where.push(`${alias}.created_at > ${params.add(filter.after)}`);
  return where;
}

export function listMessages(db: Queryable, appId: string, filter: MessageFilter): Promise<Page<Message>> {
  const params = new Params();
  const where = [`m.app_id = ${params.add(appId)}`, ...messageConditions('m', filter, params)];
  return queryPage(db, 'SELECT m.* FROM messages m', where, params, 'm.id', filter, toMessage, (m) => m.id);
}

function nextAttemptOf(status: MessageStatus, availableAt: number): number | null {
  return status === MessageStatus.Pending || status === MessageStatus.Sending ? availableAt : null;
}

export function listEndpointMessages(
  db: Queryable,
  appId: string,
  endpointId: string,
  filter: MessageFilter & { status?: MessageStatus },
): Promise<Page<EndpointMessage>> {
  const params = new Params();
  const where = [`d.app_id = ${params.add(appId)}`, `d.endpoint_id = ${params.add(endpointId)}`, ...messageConditions('m', filter, params)];
  if (filter.status !== undefined) where.push(`d.status = ${params.add(filter.status)}`);
  return queryPage(db,
    `SELECT m.*, d.status AS d_status, d.available_at AS d_available_at FROM deliveries d JOIN messages m ON m.id = d.msg_id`,
    where, params, 'm.id', filter,
    (row: MessageRow & { d_status: MessageStatus; d_available_at: number }) => ({
      message: toMessage(row),
      status: row.d_status,
      nextAttemptAt: nextAttemptOf(row.d_status, row.d_available_at),
    }),
    (item) => item.message.id);
}

export function listMessageDestinations(db: Queryable, appId: string, msgId: string, request: PageRequest): Promise<Page<MessageDestination>> {
  const params = new Params();
  return queryPage(db,
    `SELECT e.*, d.status AS d_status, d.available_at AS d_available_at FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id`,
    [`d.app_id = ${params.add(appId)}`, `d.msg_id = ${params.add(msgId)}`], params, 'e.id', request,
    (row: EndpointRow & { d_status: MessageStatus; d_available_at: number }) => ({
      endpoint: toEndpoint(row),
      status: row.d_status,
      nextAttemptAt: nextAttemptOf(row.d_status, row.d_available_at),
    }),
    (item) => item.endpoint.id);
}

export async function resendMessage(db: Queryable, appId: string, msgId: string, endpointId: string, now: number): Promise<void> {
  // Bumping the fence also voids the result of any attempt still in flight for this row. A
  // message whose payload was expunged or purged is never sent again (Svix's rule).
  const result = await db.query(`INSERT INTO deliveries (msg_id, endpoint_id, app_id, status, trigger_type, available_at, created_at, updated_at)
    SELECT $1::text, $2::text, $3::text, ${MessageStatus.Pending}, 1, $4::bigint, $4::bigint, $4::bigint
    WHERE EXISTS (SELECT 1 FROM messages WHERE id = $1::text AND payload IS NOT NULL)
    ON CONFLICT (msg_id, endpoint_id) DO UPDATE SET status = ${MessageStatus.Pending}, trigger_type = 1,
      available_at = excluded.available_at, fence = deliveries.fence + 1, updated_at = excluded.updated_at`,
  [msgId, endpointId, appId, now]);
  if ((result.rowCount ?? 0) === 0) throw new ConflictError('This message\'s payload was expunged or has expired: it cannot be sent again.');
}

/**
 * One statement: the payload goes, and the deliveries still to be made fail with their fence
 * bumped, so neither the queue nor a worker holding a lease sends the emptied message.
 */
export async function expungeMessageContent(db: Queryable, appId: string, msgId: string, now: number): Promise<boolean> {
  const { rows } = await db.query(`WITH expunged AS (
      UPDATE messages SET payload = NULL WHERE app_id = $1 AND id = $2 RETURNING id
    ), stopped AS (
      UPDATE deliveries SET status = ${MessageStatus.Fail}, fence = fence + 1, updated_at = $3
      WHERE app_id = $1 AND msg_id = (SELECT id FROM expunged)
        AND status IN (${MessageStatus.Pending}, ${MessageStatus.Sending})
    )
    SELECT count(*)::int AS found FROM expunged`, [appId, msgId, now]);
  return (rows[0] as { found: number }).found > 0;
}

export async function recoverEndpoint(db: Queryable, appId: string, endpointId: string, since: number, until: number | null, now: number): Promise<number> {
  const result = await db.query(`UPDATE deliveries SET status = ${MessageStatus.Pending}, trigger_type = 1, available_at = $1,
      fence = fence + 1, updated_at = $1
    WHERE app_id = $2 AND endpoint_id = $3 AND status = ${MessageStatus.Fail} AND created_at >= $4 AND created_at < $5
      AND EXISTS (SELECT 1 FROM messages m WHERE m.id = deliveries.msg_id AND m.payload IS NOT NULL)`,
  [now, appId, endpointId, since, until ?? Number.MAX_SAFE_INTEGER]);
  return result.rowCount ?? 0;
}
