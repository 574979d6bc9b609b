import type { FastifyInstance } from 'fastify';
import { RateLimitedError } from '@herald/core';

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
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly refillPerMs: number;

  constructor(private readonly limit: RateLimit) {
    this.refillPerMs = limit.requests / limit.perMs;
  }

  /** Takes a token for `key`: 0 when granted, else the whole seconds until one will be there. */
  take(key: string, now: number): number {
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.requests, at: now };
    bucket.tokens = Math.min(this.limit.requests, bucket.tokens + (now - bucket.at) * this.refillPerMs);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.refillPerMs / 1_000));
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
): void {
  const management = limits.management && new TokenBuckets(limits.management);
  const ingest = limits.ingest && new TokenBuckets(limits.ingest);
  if (!management && !ingest) return;
  app.addHook('onRequest', async (request, reply) => {
    if (!request.principal) return;
    const buckets = request.method === 'POST' && request.routeOptions.url === INGEST_ROUTE ? ingest : management;
    const waitSeconds = buckets ? buckets.take(request.callerScope, clock()) : 0;
    if (waitSeconds > 0) {
      reply.header('retry-after', String(waitSeconds));
      throw new RateLimitedError(waitSeconds);
    }
  });
}
