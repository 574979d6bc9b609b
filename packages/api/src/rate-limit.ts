import type { FastifyInstance } from 'fastify';
import { RateLimitedError } from '@herald/core';
import { SharedTokenBuckets, type CreditLease } from './shared-rate-limit.ts';

/** `requests` per `perMs`, refilled continuously (a token bucket holding at most `requests`). */
export interface RateLimit {
  requests: number;
  perMs: number;
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000 };

/** `100/s`, `6000/m`, `50000/h`; `off` is null; anything else undefined. */
export function parseRateLimit(text: string): RateLimit | null | undefined {
  if (text.trim().toLowerCase() === 'off') return null;
  const match = /^\s*(\d{1,9})\s*\/\s*(s|m|h)\s*$/.exec(text);
  if (!match || Number(match[1]) === 0) return undefined;
  return { requests: Number(match[1]), perMs: UNIT_MS[match[2]!]! };
}

/** One bucket per key, in this process's memory. */
export class TokenBuckets {
  /**
   * Credit is counted in token-milliseconds (one token = perMs units, refilled at `requests` units
   * per ms), so that with whole-millisecond clocks every step is integer arithmetic: with
   * fractional tokens, waiting exactly the advertised Retry-After could fall a rounding error
   * short of a whole token and be refused again.
   */
  private readonly buckets = new Map<string, { credit: number; at: number }>();
  private readonly capacity: number;

  constructor(private readonly limit: RateLimit) {
    this.capacity = limit.requests * limit.perMs;
  }

  /** Takes a token for `key`: 0 when granted, else the whole seconds until one will be there. */
  take(key: string, now: number): number {
    const { requests, perMs } = this.limit;
    const bucket = this.buckets.get(key) ?? { credit: this.capacity, at: now };
    bucket.credit = Math.min(this.capacity, bucket.credit + Math.max(0, now - bucket.at) * requests);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.credit >= perMs) {
      bucket.credit -= perMs;
      return 0;
    }
    return Math.max(1, Math.ceil((perMs - bucket.credit) / requests / 1_000));
  }
}

const INGEST_ROUTE = '/api/v1/app/:app_id/msg';

/**
 * Limits each caller (token) separately, with one budget for sending messages and another for the
 * rest of the API, so that a burst of management calls cannot starve ingest or the reverse. Over
 * the limit is a 429 problem with Retry-After. Runs after authentication: public routes are free.
 */
export function registerRateLimits(
  app: FastifyInstance,
  limits: { management: RateLimit | null; ingest: RateLimit | null },
  clock: () => number,
  shared?: CreditLease,
): void {
  // With a shared lease (PostgreSQL mode) the budget holds across every API process; otherwise
  // (embedded mode, one process) the buckets stay in memory, with no I/O on the request path.
  const bucketsFor = (limit: RateLimit | null, kind: string) => {
    if (!limit) return null;
    if (!shared) {
      const local = new TokenBuckets(limit);
      return { take: (key: string) => local.take(key, clock()) };
    }
    const buckets = new SharedTokenBuckets(limit, kind, shared,
      (error) => app.log.warn({ err: error }, 'could not lease rate-limit credit from the database; limiting per process'));
    return { take: (key: string) => buckets.take(key, clock) };
  };
  const management = bucketsFor(limits.management, 'management');
  const ingest = bucketsFor(limits.ingest, 'ingest');
  if (!management && !ingest) return;
  app.addHook('onRequest', async (request, reply) => {
    if (!request.principal) return;
    const buckets = request.method === 'POST' && request.routeOptions.url === INGEST_ROUTE ? ingest : management;
    const waitSeconds = buckets ? await buckets.take(request.callerScope) : 0;
    if (waitSeconds > 0) {
      reply.header('retry-after', String(waitSeconds));
      throw new RateLimitedError(waitSeconds);
    }
  });
}
