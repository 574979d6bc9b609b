import type { TimelineOut } from './api/types.ts';

export interface HealthBucket {
  start: number;
  end: number;
  attempts: number;
  successRate: number | null;
  averageLatencyMs: number | null;
  maxLatencyMs: number | null;
}

/** The periods the health charts offer, each cut into about 24-30 buckets. */
export const HEALTH_WINDOWS = [
  { label: 'Last hour', spanMs: 3_600_000, bucket: '2m' },
  { label: 'Last 24 hours', spanMs: 86_400_000, bucket: '1h' },
  { label: 'Last 7 days', spanMs: 7 * 86_400_000, bucket: '6h' },
] as const;

/** Every bucket of the timeline's range, the empty ones too, so that the charts' x axis is time. */
export function fillBuckets(timeline: TimelineOut): HealthBucket[] {
  const since = Date.parse(timeline.since);
  const until = Date.parse(timeline.until);
  const width = timeline.bucketSeconds * 1000;
  const byStart = new Map(timeline.data.map((bucket) => [Date.parse(bucket.start), bucket]));
  const buckets: HealthBucket[] = [];
  for (let start = since; start < until; start += width) {
    const found = byStart.get(start);
    const attempts = found ? found.success + found.fail : 0;
    buckets.push({
      start, end: Math.min(start + width, until), attempts,
      successRate: found && attempts > 0 ? found.success / attempts : null,
      averageLatencyMs: found ? found.averageLatencyMs : null,
      maxLatencyMs: found ? found.maxLatencyMs : null,
    });
  }
  return buckets;
}
