import type { Logger } from 'pino';
import type { DeliveryResult, Store } from '@herald/storage';

interface Pending {
  result: DeliveryResult;
  resolve: (applied: boolean) => void;
}

/**
 * Writes attempt results in batches: everything that finished within a few milliseconds goes to the
 * store in one transaction. Every transaction rewrites whole pages, so a handful of large ones cost
 * far less than many small ones; the price is a few milliseconds before an attempt is on record. A failed write resolves as "not applied": the lease then
 * runs out and the delivery is sent again, which is the at-least-once promise, not a loss.
 */
export class ResultWriter {
  private pending: Pending[] = [];
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly clock: () => number,
    private readonly logger: Logger,
    private readonly maxBatch = 512,
    private readonly flushDelayMs = 5,
  ) {}

  write(result: DeliveryResult): Promise<boolean> {
    return new Promise((resolve) => {
      this.pending.push({ result, resolve });
      if (this.pending.length >= this.maxBatch) this.flushNow();
      else if (!this.scheduled) {
        this.scheduled = true;
        setTimeout(() => this.flushNow(), this.flushDelayMs);
      }
    });
  }

  /** Resolves once everything written so far is on disk. */
  drain(): Promise<void> {
    this.flushNow();
    return this.flushing;
  }

  private flushNow(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.flushing.then(async () => {
      try {
        const applied = await this.store.recordResults(batch.map((item) => item.result), this.clock());
        batch.forEach((item, index) => item.resolve(applied[index] ?? false));
      } catch (error) {
        this.logger.error({ err: error, results: batch.length }, 'could not record delivery results; they will be retried after their lease');
        for (const item of batch) item.resolve(false);
      }
    });
  }
}
