import { parseDuration } from './duration.ts';

/**
 * Delays before each retry, after the first (immediate) attempt. Svix's schedule: immediately,
 * then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — eight attempts in all.
 */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
];

/** Upper bound on how long a receiver may push a retry out with Retry-After. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

export function parseRetrySchedule(text: string): { ok: true; schedule: number[] } | { ok: false; reason: string } {
  const parts = text.split(',').map((part) => part.trim()).filter((part) => part.length > 0);
  const schedule: number[] = [];
  for (const part of parts) {
    const ms = parseDuration(part);
    if (ms === undefined) return { ok: false, reason: `"${part}" is not a duration (use e.g. 5s, 5m, 2h)` };
    schedule.push(ms);
  }
  return { ok: true, schedule };
}

/**
 * Delay before the next attempt after `attemptsMade` attempts failed, or undefined when the schedule
 * is used up. Jitter spreads retries of a mass outage over ±20% so they do not arrive in one wave.
 * A Retry-After from the receiver lengthens the wait (never shortens it), up to MAX_RETRY_AFTER_MS.
 */
export function nextRetryDelay(
  schedule: readonly number[],
  attemptsMade: number,
  random: () => number,
  retryAfterMs?: number,
): number | undefined {
  const base = schedule[attemptsMade - 1];
  if (base === undefined) return undefined;
  const jittered = Math.round(base * (0.8 + 0.4 * random()));
  if (retryAfterMs === undefined) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
