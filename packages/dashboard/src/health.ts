import type { AttemptOut } from './api/types.ts';

export interface HealthBucket {
  start: number;
  end: number;
  attempts: number;
  successRate: number | null;
  averageLatencyMs: number | null;
}

/**
 * Success rate and latency over time from an endpoint's most recent attempts (one API page, at most
 * 250), split into equal time buckets between the oldest and the newest.
 */
export function bucketAttempts(attempts: AttemptOut[], bucketCount: number): HealthBucket[] {
  if (attempts.length === 0) return [];
  const times = attempts.map((attempt) => Date.parse(attempt.timestamp));
  const first = Math.min(...times);
  const last = Math.max(...times);
  const width = Math.max(1, (last - first + 1) / bucketCount);
  const buckets = Array.from({ length: bucketCount }, (_, index) => ({
    start: first + index * width, end: first + (index + 1) * width, attempts: 0, succeeded: 0, latencyTotal: 0,
  }));
  attempts.forEach((attempt, index) => {
    const bucket = buckets[Math.min(bucketCount - 1, Math.floor((times[index]! - first) / width))]!;
    bucket.attempts++;
    if (attempt.status === 0) bucket.succeeded++;
    bucket.latencyTotal += attempt.responseDurationMs;
  });
  return buckets.map(({ start, end, attempts: count, succeeded, latencyTotal }) => ({
    start, end, attempts: count,
    successRate: count ? succeeded / count : null,
    averageLatencyMs: count ? latencyTotal / count : null,
  }));
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
