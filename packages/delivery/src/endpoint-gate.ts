/**
 * Per-endpoint admission in this process: at most `concurrency` requests in flight to one endpoint,
 * and at most `throttleRate` starts a second when the endpoint sets one. A slow endpoint therefore
 * holds only its own slots and never the whole worker.
 */
export class EndpointGate {
  private readonly inFlight = new Map<string, number>();
  private readonly buckets = new Map<string, { tokens: number; refilledAt: number }>();

  constructor(private readonly concurrency: number) {}

  /** 0 when a request may start now; otherwise ms until the throttle allows one, or -1 when at the concurrency limit. */
  admit(endpointId: string, throttleRate: number | null, now: number): number {
    if ((this.inFlight.get(endpointId) ?? 0) >= this.concurrency) return -1;
    if (throttleRate !== null && throttleRate > 0) {
      const bucket = this.buckets.get(endpointId) ?? { tokens: throttleRate, refilledAt: now };
      bucket.tokens = Math.min(throttleRate, bucket.tokens + ((now - bucket.refilledAt) / 1000) * throttleRate);
      bucket.refilledAt = now;
      this.buckets.set(endpointId, bucket);
      if (bucket.tokens < 1) return Math.ceil(((1 - bucket.tokens) / throttleRate) * 1000);
      bucket.tokens -= 1;
    }
    this.inFlight.set(endpointId, (this.inFlight.get(endpointId) ?? 0) + 1);
    return 0;
  }

  done(endpointId: string): void {
    const count = (this.inFlight.get(endpointId) ?? 1) - 1;
    if (count <= 0) this.inFlight.delete(endpointId);
    else this.inFlight.set(endpointId, count);
  }
}
