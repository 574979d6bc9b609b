import { UnavailableError } from '@herald/core';

interface Waiter<R> {
  key: string;
  resolve: (rows: R[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Answers the lookups made in one turn of the event loop with one query. Under load the API looks
 * up the same application and its endpoints for every accepted message; one round trip per turn
 * instead of one per message is most of what ingest costs the API process and the database.
 *
 * Never stale: a lookup joins only a query not yet sent, so the query's snapshot is taken after
 * the lookup was asked for, and sees everything committed before it, as a query of its own would.
 * A query already in flight is never shared.
 */
export class LookupBatcher<R> {
  private waiters: Array<Waiter<R>> = [];

  /** `fetch` answers a set of keys: the rows for each key that has any (a key with none is absent). */
  constructor(private readonly fetch: (keys: string[]) => Promise<Map<string, R[]>>) {}

  load(key: string): Promise<R[]> {
    return new Promise((resolve, reject) => {
      // setImmediate, not a microtask: requests read in this same poll phase join the batch.
      if (this.waiters.length === 0) setImmediate(() => void this.flush());
      this.waiters.push({ key, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const waiters = this.waiters;
    this.waiters = [];
    const keys = [...new Set(waiters.map((waiter) => waiter.key))];
    let found: Map<string, R[]>;
    try {
      found = await this.fetch(keys);
    } catch (error) {
      if (keys.length === 1 || error instanceof UnavailableError) {
        for (const waiter of waiters) waiter.reject(error);
        return;
      }
      // One key the database refuses (a NUL in an id) fails the shared query for every caller in
      // it, who may be other tenants. Each key is asked again alone, so only the callers of a
      // guilty key see its error. An outage fails them all at once: alone, each would fail the same.
      await Promise.all(keys.map((key) => this.settle(waiters.filter((waiter) => waiter.key === key), [key])));
      return;
    }
    this.handOut(waiters, found);
  }

  private async settle(waiters: Array<Waiter<R>>, keys: string[]): Promise<void> {
    try {
      this.handOut(waiters, await this.fetch(keys));
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    }
  }

  private handOut(waiters: Array<Waiter<R>>, found: Map<string, R[]>): void {
    const handedOut = new Set<string>();
    for (const waiter of waiters) {
      const rows = found.get(waiter.key) ?? [];
      // Every caller gets rows of its own, as from a query of its own: none can change another's.
      waiter.resolve(handedOut.has(waiter.key) ? structuredClone(rows) : rows);
      handedOut.add(waiter.key);
    }
  }
}
