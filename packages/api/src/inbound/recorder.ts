import { HeraldError, UnavailableError } from '@herald/core';
import type { NewInboundRequest, RecordedInboundRequest, Store } from '@herald/storage';

export type Recorded = RecordedInboundRequest;

interface Queued {
  request: NewInboundRequest;
  resolve: (recorded: Recorded) => void;
  reject: (error: unknown) => void;
}

export interface RecorderOptions {
  store: Store;
  clock: () => number;
  /**
   * Commits a batch; store.recordInboundRequests unless given (a process whose writes go through
   * one writer passes that writer's).
   */
  commit?: Store['recordInboundRequests'];
  /** Called after each commit that holds an accepted request, so an in-process router starts at once. */
  onAccepted?: () => void;
  maxBatch?: number;
}

/**
 * Records inbound requests with group commit, as MessageIngest does for messages: every request
 * that arrives while a transaction is being written goes into the next one, so each 2xx still
 * waits for its own commit but a busy source pays one fsync per batch, not per request.
 */
export class InboundRecorder {
  private queue: Queued[] = [];
  private writing = false;

  constructor(private readonly options: RecorderOptions) {}

  /** Resolves once the request is committed, with the verdict the store gave it (accepted may become duplicate). */
  record(request: NewInboundRequest): Promise<Recorded> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    // Let requests that arrived in this same turn of the event loop join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.options.maxBatch ?? 500);
        let results: Awaited<ReturnType<Store['recordInboundRequests']>>;
        try {
          const requests = batch.map((queued) => queued.request);
          const now = this.options.clock();
          results = await (this.options.commit ? this.options.commit(requests, now) : this.options.store.recordInboundRequests(requests, now));
        } catch (error) {
          // Nothing of the batch was committed: a 503 the provider will retry, never a 500.
          const failure = error instanceof HeraldError ? error : Object.assign(new UnavailableError(), { cause: error });
          for (const queued of batch) queued.reject(failure);
          continue;
        }
        let accepted = false;
        batch.forEach((queued, index) => {
          const result = results[index];
          if (result === undefined) queued.reject(new UnavailableError());
          else if (result instanceof HeraldError) queued.reject(result);
          else {
            if (result.verdict === 'accepted') accepted = true;
            queued.resolve(result);
          }
        });
        if (accepted) this.options.onAccepted?.();
      }
    } finally {
      this.writing = false;
    }
  }
}
