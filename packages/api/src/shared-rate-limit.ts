import { TokenBuckets, type RateLimit } from './rate-limit.ts';

/**
 * Takes up to `want` credit units (token-ms, whole tokens of `perMs` units) from the bucket `key`
 * that every API process shares; returns what it granted and the credit left behind.
 */
export type CreditLease = (
  key: string,
  bucket: { capacity: number; requests: number; perMs: number },
  want: number,
) => Promise<{ granted: number; credit: number }>;

/** Credit leased from the shared bucket and not spent within this long is dropped, not hoarded. */
const LEASE_LIFETIME_MS = 1_000;
/** After a failed lease, the per-process fallback answers alone this long instead of asking again per request. */
const RETRY_LEASE_AFTER_MS = 1_000;
/** One lease covers this share of the budget: one round trip per 1/20 of it per process. */
const SLICE_DIVISOR = 20;

interface LocalShare {
  credit: number;
  expiresAt: number;
  /** The shared bucket had less than a token: refuse here, without asking again, until then. */
  refusedUntil: number;
  leasing: Promise<boolean> | undefined;
}

/**
 * A token bucket shared by every API process (PostgreSQL mode), spent locally: a process leases a
 * slice of the shared credit (1/20 of the budget) and spends it in memory, so most requests cost
 * no round trip and concurrent requests of one key wait on a single lease. Leased credit has left
 * the shared bucket, so the processes together never grant more than the budget; what one
 * process leased and did not use within a second is dropped (a little under the budget, never over).
 * Rejected alternative: one UPDATE per request, which puts a row lock on every request of a busy token.
 */
export class SharedTokenBuckets {
  private readonly shares = new Map<string, LocalShare>();
  private readonly bucket: { capacity: number; requests: number; perMs: number };
  private readonly slice: number;
  /** Used while the shared bucket cannot be reached: the limit then holds per process, as before. */
  private readonly fallback: TokenBuckets;
  private unreachableUntil = 0;

  constructor(
    private readonly limit: RateLimit,
    private readonly kind: string,
    private readonly lease: CreditLease,
    private readonly onLeaseError: (error: unknown) => void,
  ) {
    this.bucket = { capacity: limit.requests * limit.perMs, requests: limit.requests, perMs: limit.perMs };
    this.slice = Math.max(1, Math.ceil(limit.requests / SLICE_DIVISOR)) * limit.perMs;
    this.fallback = new TokenBuckets(limit);
  }

  /** Takes a token for `key`: 0 when granted, else the whole seconds until one will be there. */
  async take(key: string, now: () => number): Promise<number> {
    const share = this.shareOf(key);
    for (;;) {
      const at = now();
      if (at >= share.expiresAt) share.credit = 0;
      if (share.credit >= this.limit.perMs) {
        share.credit -= this.limit.perMs;
        return 0;
      }
      if (at < share.refusedUntil) return this.secondsUntil(share.refusedUntil - at);
      if (at < this.unreachableUntil) return this.fallback.take(key, at);
      if (share.leasing) {
        await share.leasing;
        continue;
      }
      const leasing = this.leaseInto(share, key, now);
      share.leasing = leasing;
      try {
        const usable = await leasing;
        if (!usable) return this.fallback.take(key, now());
      } finally {
        share.leasing = undefined;
      }
    }
  }

  /** False when the shared bucket could not be reached. */
  private leaseInto(share: LocalShare, key: string, now: () => number): Promise<boolean> {
    return this.lease(`${this.kind}:${key}`, this.bucket, this.slice).then(({ granted, credit }) => {
      const at = now();
      share.credit = (at < share.expiresAt ? share.credit : 0) + granted;
      share.expiresAt = at + LEASE_LIFETIME_MS;
      // Less than a token left: the first moment a whole one will have refilled, to the ms.
      if (granted < this.limit.perMs) share.refusedUntil = at + Math.max(1, Math.ceil((this.limit.perMs - credit) / this.limit.requests));
      return true;
    }, (error: unknown) => {
      this.unreachableUntil = now() + RETRY_LEASE_AFTER_MS;
      this.onLeaseError(error);
      return false;
    });
  }

  private secondsUntil(ms: number): number {
    return Math.max(1, Math.ceil(ms / 1_000));
  }

  private shareOf(key: string): LocalShare {
    let share = this.shares.get(key);
    if (!share) {
      share = { credit: 0, expiresAt: 0, refusedUntil: 0, leasing: undefined };
      this.shares.set(key, share);
    }
    return share;
  }
}
