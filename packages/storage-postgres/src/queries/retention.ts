import { MessageStatus } from '@herald/core';
import type { Queryable } from '../sql.ts';

export interface PurgeCounts {
  payloads: number;
  responses: number;
}

/**
 * Empties at most `batchSize` message payloads and `batchSize` attempt response bodies created
 * before `cutoff`. Rows stay (ids, statuses and times still list); only the bulky text goes. Small
 * batches with SKIP LOCKED keep each statement short and never wait on a worker's rows, so
 * delivery is not blocked. A message still being delivered keeps its payload, whatever its age.
 */
export async function purgeBodies(db: Queryable, cutoff: number, batchSize: number): Promise<PurgeCounts> {
  const payloads = await db.query(`UPDATE messages SET payload = NULL WHERE id IN (
      SELECT m.id FROM messages m WHERE m.payload IS NOT NULL AND m.created_at < $1
        AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.msg_id = m.id
          AND d.status IN (${MessageStatus.Pending}, ${MessageStatus.Sending}))
      LIMIT $2 FOR UPDATE SKIP LOCKED)`, [cutoff, batchSize]);
  const responses = await db.query(`UPDATE attempts SET response = '' WHERE ctid IN (
      SELECT ctid FROM attempts WHERE response <> '' AND created_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`, [cutoff, batchSize]);
  return { payloads: payloads.rowCount ?? 0, responses: responses.rowCount ?? 0 };
}
