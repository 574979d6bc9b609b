/**
 * Each endpoint's throttleRate (requests a second) as a token bucket, in this process. Concurrency
 * per origin is bounded where requests are sent (http-sender.ts); this bounds their rate.
 */
export class EndpointThrottle {
  private readonly buckets = new Map<string, { tokens: number; refilledAt: number }>();

  /** 0 when a request may start now; otherwise the milliseconds until one may. */
  delayFor(endpointId: string, throttleRate: number | null, now: number): number {
    if (throttleRate === null || throttleRate <= 0) return 0;
    const bucket = this.buckets.get(endpointId) ?? { tokens: throttleRate, refilledAt: now };
    bucket.tokens = Math.min(throttleRate, bucket.tokens + ((now - bucket.refilledAt) / 1000) * throttleRate);
    bucket.refilledAt = now;
    this.buckets.set(endpointId, bucket);
    if (bucket.tokens < 1) return Math.ceil(((1 - bucket.tokens) / throttleRate) * 1000);
    bucket.tokens -= 1;
    return 0;
  }
}
