import type { Queryable } from '../sql.ts';
import { prepared } from '../sql.ts';

/** The database's clock in ms: every API process refills by the same clock. */
const NOW_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';
const REFILLED = `LEAST($2::bigint, b.credit + GREATEST(0, ${NOW_MS} - b.at) * $3::bigint)`;
/** Whole tokens only: never more than asked, never a fraction of one token (perMs units). */
const GRANTABLE = (credit: string) => `LEAST($5::bigint, (${credit} / $4::bigint) * $4::bigint)`;

const leaseCredit = prepared('herald_rate_limit_lease', `
  INSERT INTO rate_limit_buckets AS b (key, credit, at, granted)
  VALUES ($1, $2::bigint - ${GRANTABLE('$2::bigint')}, ${NOW_MS}, ${GRANTABLE('$2::bigint')})
  ON CONFLICT (key) DO UPDATE SET
    granted = ${GRANTABLE(REFILLED)},
    credit = ${REFILLED} - ${GRANTABLE(REFILLED)},
    at = GREATEST(b.at, ${NOW_MS})
  RETURNING credit, granted`);

/**
 * Takes up to `want` credit units (whole tokens of `perMs` units each) from the shared bucket
 * `key`, refilled first at `requests` units per ms up to `capacity`; one statement, one row lock.
 * Returns what was granted and the credit left behind.
 */
export async function leaseRateLimitCredit(
  db: Queryable,
  key: string,
  bucket: { capacity: number; requests: number; perMs: number },
  want: number,
): Promise<{ granted: number; credit: number }> {
  const { rows } = await db.query<{ credit: string; granted: string }>(
    leaseCredit([key, bucket.capacity, bucket.requests, bucket.perMs, want]));
  return { granted: Number(rows[0]!.granted), credit: Number(rows[0]!.credit) };
}

/**
 * Deletes buckets untouched for two hours. Losing nothing: the longest refill period is an hour
 * (`N/h`), so such a bucket is full, and a missing bucket is created full.
 */
export async function purgeIdleRateLimitBuckets(db: Queryable): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM rate_limit_buckets WHERE at < ${NOW_MS} - 7200000`);
  return rowCount ?? 0;
}
