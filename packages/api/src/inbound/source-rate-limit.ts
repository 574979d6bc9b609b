import { TokenBuckets } from '../rate-limit.ts';

/**
 * Each source's own budget (InboundSource.rateLimit, requests per second), in this process's
 * memory, with the API's token bucket. Buckets are grouped by limit, so a changed limit takes
 * effect at once (the source starts a full bucket under its new limit).
 */
export class SourceRateLimiter {
  private readonly byLimit = new Map<number, TokenBuckets>();

  /** 0 when the request may pass, else whole seconds until it may (for Retry-After). */
  take(sourceId: string, perSecond: number | null, now: number): number {
    if (perSecond === null || perSecond <= 0) return 0;
    let buckets = this.byLimit.get(perSecond);
    if (!buckets) {
      buckets = new TokenBuckets({ requests: perSecond, perMs: 1_000 });
      this.byLimit.set(perSecond, buckets);
    }
    return buckets.take(sourceId, now);
  }
}
