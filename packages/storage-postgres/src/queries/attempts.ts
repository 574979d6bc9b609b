import { MessageStatus, type Attempt } from '@herald/core';
import type { AttemptFilter, AttemptTimelineBucket, Page } from '@herald/storage';
import { Params, queryPage, type Queryable } from '../sql.ts';
import { toAttempt, type AttemptRow } from '../rows.ts';

export async function getAttempt(db: Queryable, appId: string, msgId: string, attemptId: string): Promise<Attempt | undefined> {
  const { rows } = await db.query<AttemptRow>('SELECT * FROM attempts WHERE app_id = $1 AND msg_id = $2 AND id = $3', [appId, msgId, attemptId]);
  return rows[0] && toAttempt(rows[0]);
}

/**
 * One endpoint's or one message's attempts, newest first by default. `scope` picks the index
 * ((endpoint_id, id) or (msg_id, id)), so a page is one range scan from the cursor however many
 * attempts exist; the other filters only thin the rows that scan yields.
 */
export function listAttempts(db: Queryable, scope: 'endpoint_id' | 'msg_id', appId: string, scopeId: string, filter: AttemptFilter): Promise<Page<Attempt>> {
  const params = new Params();
  const where = [`a.${scope} = ${params.add(scopeId)}`, `a.app_id = ${params.add(appId)}`];
  if (filter.status !== undefined) where.push(`a.status = ${params.add(filter.status)}`);
  if (filter.statusCodeClass !== undefined) {
    where.push(`a.response_status_code >= ${params.add(filter.statusCodeClass)}`);
    where.push(`a.response_status_code < ${params.add(filter.statusCodeClass === 0 ? 100 : filter.statusCodeClass + 100)}`);
  }
  if (filter.endpointId !== undefined) where.push(`a.endpoint_id = ${params.add(filter.endpointId)}`);
  if (filter.before !== undefined) where.push(`a.created_at < ${params.add(filter.before)}`);
  if (filter.after !== undefined) where.push(`a.created_at > ${params.add(filter.after)}`);
  const needsMessage = (filter.eventTypes?.length ?? 0) > 0 || filter.channel !== undefined;
  if (filter.eventTypes && filter.eventTypes.length > 0) where.push(`m.event_type = ANY(${params.add(filter.eventTypes)}::text[])`);
  if (filter.channel !== undefined) where.push(`m.channels ? ${params.add(filter.channel)}`);
  const select = needsMessage ? 'SELECT a.* FROM attempts a JOIN messages m ON m.id = a.msg_id' : 'SELECT a.* FROM attempts a';
  return queryPage(db, select, where, params, 'a.id', { ...filter, order: filter.order ?? 'descending' }, toAttempt, (a) => a.id);
}

/**
 * The endpoint's attempts in [since, until), counted per bucket of bucketMs from since. Only
 * buckets with attempts come back, oldest first; the dashboard draws the gaps.
 */
export async function attemptTimeline(
  db: Queryable,
  appId: string,
  endpointId: string,
  range: { since: number; until: number; bucketMs: number },
): Promise<AttemptTimelineBucket[]> {
  const { rows } = await db.query<{ bucket: number; success: number; fail: number; average: number; longest: number }>(`SELECT
      (created_at - $3::bigint) / $5::bigint AS bucket,
      count(*) FILTER (WHERE status = ${MessageStatus.Success})::int AS success,
      count(*) FILTER (WHERE status = ${MessageStatus.Fail})::int AS fail,
      avg(response_duration_ms)::float8 AS average, max(response_duration_ms) AS longest
    FROM attempts WHERE app_id = $1 AND endpoint_id = $2 AND created_at >= $3 AND created_at < $4
    GROUP BY bucket ORDER BY bucket`, [appId, endpointId, range.since, range.until, range.bucketMs]);
  return rows.map((row) => ({
    start: range.since + row.bucket * range.bucketMs, success: row.success, fail: row.fail,
    averageDurationMs: row.average, maxDurationMs: row.longest,
  }));
}

export async function expungeAttemptContent(db: Queryable, appId: string, msgId: string, attemptId: string): Promise<boolean> {
  const result = await db.query(`UPDATE attempts SET response = '' WHERE app_id = $1 AND msg_id = $2 AND id = $3`, [appId, msgId, attemptId]);
  return (result.rowCount ?? 0) > 0;
}
