import { newClaimToken } from './deduplicate.ts';
import type { ClaimResult, DedupeStore } from './store.ts';

interface Entry {
  token: string;
  done: boolean;
  expiresAt: number;
}

/** One process only: ids are lost on restart and not shared between instances. For one-instance receivers and tests. */
export class MemoryDedupeStore implements DedupeStore {
  private readonly entries = new Map<string, Entry>();
  private nextSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async claim(id: string, leaseMs: number): Promise<ClaimResult> {
    const now = this.now();
    this.sweep(now);
    const entry = this.entries.get(id);
    if (entry && entry.expiresAt > now) return entry.done ? { status: 'done' } : { status: 'in-progress' };
    const token = newClaimToken();
    this.entries.set(id, { token, done: false, expiresAt: now + leaseMs });
    return { status: 'claimed', token };
  }

  async complete(id: string, token: string, retainMs: number): Promise<void> {
    const entry = this.entries.get(id);
    if (entry?.token === token && !entry.done) this.entries.set(id, { token, done: true, expiresAt: this.now() + retainMs });
  }

  async release(id: string, token: string): Promise<void> {
    const entry = this.entries.get(id);
    if (entry?.token === token && !entry.done) this.entries.delete(id);
  }

  /** Expired entries are dropped at most once a minute, so memory follows the live ids. */
  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + 60_000;
    for (const [id, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(id);
  }
}
