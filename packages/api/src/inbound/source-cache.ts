import type { InboundSource, Store } from '@herald/storage';

/** How long a looked-up source is trusted without asking the store again. */
const TTL_MS = 1_000;
const MAX_ENTRIES = 10_000;

/** Store methods after which every cached source may be wrong. */
const SOURCE_WRITES = new Set<string>(['createSource', 'updateSource', 'deleteSource', 'rotateSourceToken', 'rewriteSourceSecrets']);

/**
 * The sources of recently used ingest tokens, by token hash. Every request to an ingest URL needs
 * its source before anything else, and asking the store each time (a query and a JSON parse of the
 * opened config) was a third of the receive route's CPU. A change made through this process's API
 * (wrapped with `invalidatedBy`) empties the cache at once; a change made by another process (the
 * PostgreSQL mode's other API processes) is seen within TTL_MS.
 */
export class SourceCache {
  private readonly entries = new Map<string, { source: InboundSource; until: number }>();

  get(tokenHash: string, now: number): InboundSource | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (entry.until > now) return entry.source;
    this.entries.delete(tokenHash);
    return undefined;
  }

  set(tokenHash: string, source: InboundSource, now: number): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(tokenHash, { source, until: now + TTL_MS });
  }

  clear(): void {
    this.entries.clear();
  }

  /** The store, except that every source write through it also empties this cache (after it, so a read cannot refill it with the old source). */
  invalidatedBy<S extends Store>(store: S): S {
    // Keyed by the method itself, not its name: a store that hands out another function later
    // (a wrapper that changes behaviour) is followed, and each method is bound once, not per call.
    const wrapped = new WeakMap<object, unknown>();
    return new Proxy(store, {
      get: (target, name) => {
        const value = Reflect.get(target, name, target) as unknown;
        if (typeof value !== 'function') return value;
        let bound = wrapped.get(value);
        if (bound === undefined) {
          const method = (value as (...args: unknown[]) => unknown).bind(target);
          bound = SOURCE_WRITES.has(String(name))
            ? async (...args: unknown[]) => {
              try {
                return await method(...args);
              } finally {
                this.clear();
              }
            }
            : method;
          wrapped.set(value, bound);
        }
        return bound;
      },
    });
  }
}
