/**
 * How many claimed deliveries the worker holds per origin (scheme, host and port). The sender
 * lets only so many requests to one origin be in flight; anything claimed beyond that just waits
 * in memory, and would take the worker's slots from every other endpoint. So once an origin holds
 * its share, its endpoints are left out of the next claims until one of its deliveries finishes.
 */
export class OriginBudget {
  private readonly held = new Map<string, { count: number; endpointIds: Set<string> }>();
  private readonly originOfUrl = new Map<string, string>();

  constructor(private readonly perOrigin: number) {}

  /** Counts a claimed delivery against its endpoint URL's origin. */
  take(endpointId: string, url: string): void {
    const origin = this.originOf(url);
    let entry = this.held.get(origin);
    if (!entry) {
      entry = { count: 0, endpointIds: new Set() };
      this.held.set(origin, entry);
    }
    entry.count++;
    entry.endpointIds.add(endpointId);
  }

  /** The delivery taken for this URL was recorded or handed back. */
  give(url: string): void {
    const origin = this.originOf(url);
    const entry = this.held.get(origin);
    if (entry && --entry.count === 0) this.held.delete(origin);
  }

  /** Endpoints whose origin holds its share: the next claim must not take more for them. */
  saturatedEndpoints(): string[] {
    const skip: string[] = [];
    for (const entry of this.held.values()) {
      if (entry.count >= this.perOrigin) skip.push(...entry.endpointIds);
    }
    return skip;
  }

  private originOf(url: string): string {
    let origin = this.originOfUrl.get(url);
    if (origin === undefined) {
      try {
        const parsed = new URL(url);
        // A broker URL (amqp:, redis:, nats:, mqtt:) has the opaque origin "null": every broker
        // would share one budget. Its scheme, host and port name it instead.
        origin = parsed.origin === 'null' ? `${parsed.protocol}//${parsed.host}` : parsed.origin;
      } catch {
        origin = url; // refused by the sender at once; keyed by itself
      }
      // Endpoint URLs are few and change rarely; the cap only guards against unbounded growth.
      if (this.originOfUrl.size >= 10_000) this.originOfUrl.clear();
      this.originOfUrl.set(url, origin);
    }
    return origin;
  }
}
