import { MessageStatus } from '@herald/core';
import type { ClaimedDelivery } from '@herald/storage';
import type { Queryable } from '../sql.ts';

/** How soon a delivery held back by the concurrency cap is looked at again. */
const CAP_RETRY_MS = 200;

interface LimitRow {
  endpoint_id: string; tokens: number; refilled_at: number;
}

/**
 * Per-endpoint limits that hold across every worker process, applied to a claim just committed,
 * in a transaction of its own: at most `concurrency` leases in flight per endpoint, and the
 * endpoint's throttleRate as a token bucket kept in a row. Locking the endpoints' limit rows (in
 * id order) serialises this step for claims that touch the same endpoint, and the in-flight count
 * it then reads includes every other worker's committed leases, even those still on their way
 * through this step. So two workers can only ever hold back too much for a moment, never let
 * through too much. Deliveries over a limit go straight back to the queue (fenced), due when the
 * limit will let them through; the rest are returned.
 */
export async function applyEndpointLimits(
  db: Queryable,
  claimed: ClaimedDelivery[],
  concurrency: number | null,
  now: number,
): Promise<ClaimedDelivery[]> {
  const limited = claimed.filter((c) => concurrency !== null || (c.endpoint.throttleRate ?? 0) > 0);
  if (limited.length === 0) return claimed;
  const rates = new Map(limited.map((c) => [c.endpoint.id, c.endpoint.throttleRate ?? 0]));
  const endpointIds = [...rates.keys()].sort();
  await db.query(`INSERT INTO endpoint_limits (endpoint_id, tokens, refilled_at)
    SELECT id, rate, $3 FROM unnest($1::text[], $2::float8[]) AS t(id, rate) ORDER BY id ON CONFLICT DO NOTHING`,
  [endpointIds, endpointIds.map((id) => rates.get(id)!), now]);
  const { rows: buckets } = await db.query<LimitRow>(
    'SELECT * FROM endpoint_limits WHERE endpoint_id = ANY($1::text[]) ORDER BY endpoint_id FOR UPDATE', [endpointIds]);
  const inFlight = new Map<string, number>();
  if (concurrency !== null) {
    const { rows } = await db.query<{ endpoint_id: string; n: number }>(`SELECT endpoint_id, count(*)::int AS n FROM deliveries
      WHERE status = ${MessageStatus.Sending} AND available_at > $2 AND endpoint_id = ANY($1::text[]) GROUP BY endpoint_id`,
    [endpointIds, now]);
    for (const row of rows) inFlight.set(row.endpoint_id, row.n);
  }
  const kept = new Set<string>();
  const deferred: Array<{ id: number; fence: number; availableAt: number }> = [];
  const bucketUpdates: LimitRow[] = [];
  for (const bucket of buckets) {
    const mine = limited.filter((c) => c.endpoint.id === bucket.endpoint_id);
    const rate = rates.get(bucket.endpoint_id)!;
    // In-flight counts this claim's own leases too: subtract them to get everyone else's.
    const othersInFlight = (inFlight.get(bucket.endpoint_id) ?? mine.length) - mine.length;
    const byCap = concurrency === null ? mine.length : Math.max(0, concurrency - othersInFlight);
    let tokens = bucket.tokens;
    let byRate = mine.length;
    if (rate > 0) {
      tokens = Math.min(rate, tokens + ((now - bucket.refilled_at) / 1000) * rate);
      byRate = Math.floor(tokens);
    }
    const allowed = Math.min(mine.length, byCap, byRate);
    if (rate > 0) {
      tokens -= allowed;
      bucketUpdates.push({ endpoint_id: bucket.endpoint_id, tokens, refilled_at: now });
    }
    mine.forEach((delivery, index) => {
      if (index < allowed) {
        kept.add(delivery.deliveryId);
        return;
      }
      const waitForToken = rate > 0 && index >= byRate ? Math.ceil(((index - byRate + 1 - (tokens - Math.floor(tokens))) / rate) * 1000) : 0;
      const waitForSlot = index >= byCap ? CAP_RETRY_MS : 0;
      deferred.push({ id: Number(delivery.deliveryId), fence: delivery.fence, availableAt: now + Math.max(waitForToken, waitForSlot, 1) });
    });
  }
  if (bucketUpdates.length > 0) {
    await db.query(`UPDATE endpoint_limits l SET tokens = t.tokens, refilled_at = $3
      FROM unnest($1::text[], $2::float8[]) AS t(id, tokens) WHERE l.endpoint_id = t.id`,
    [bucketUpdates.map((b) => b.endpoint_id), bucketUpdates.map((b) => b.tokens), now]);
  }
  if (deferred.length > 0) {
    await db.query(`UPDATE deliveries d SET status = ${MessageStatus.Pending}, available_at = t.available_at
      FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS t(id, fence, available_at)
      WHERE d.id = ANY($1::bigint[]) AND d.id = t.id AND d.fence = t.fence`,
    [deferred.map((d) => d.id), deferred.map((d) => d.fence), deferred.map((d) => d.availableAt)]);
  }
  return claimed.filter((c) => !limited.includes(c) || kept.has(c.deliveryId));
}
