import { HeraldError, UnavailableError, type Message } from '@herald/core';
import type { IdempotencyRecord, NewMessage, Store } from '@herald/storage';
import type { MessageTracing } from './tracing.ts';

interface Queued {
  item: NewMessage;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface IngestOptions {
  store: Store;
  clock: () => number;
  /** Called after each commit, so an in-process worker can start at once instead of at its next poll. */
  onCommitted?: (accepted: number) => void;
  /**
   * Commits a batch; store.createMessages unless given. Embedded mode passes its delivery worker's,
   * which also hands the new deliveries straight to that worker.
   */
  commit?: (batch: NewMessage[], now: number) => Promise<Array<HeraldError | null>>;
  /** Most messages committed in one transaction. */
  maxBatch?: number;
  /** A span for each message's commit and fan-out when tracing is configured; unset: none. */
  tracing?: MessageTracing;
}

/**
 * Accepts messages with group commit: every message submitted while the previous transaction was
 * being written goes into the next one, so each 202 still waits for its own commit but a busy
 * server pays one fsync per batch rather than one per message.
 */
export class MessageIngest {
  private queue: Queued[] = [];
  private writing = false;
  private readonly commitListeners = new Set<() => void>();

  constructor(private readonly options: IngestOptions) {}

  /** Calls `listener` after every commit that accepted a message (polling's wake); returns how to stop. */
  onCommit(listener: () => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  /**
   * Resolves once the message and its deliveries are committed; rejects with a HeraldError
   * otherwise. The store finds the subscribed endpoints inside the committing transaction (see
   * NewMessage.endpointIds): a list read here, before the commit, could miss an endpoint created
   * in between.
   */
  async submit(message: Message, idempotency?: IdempotencyRecord, onlyEndpointId?: string): Promise<void> {
    const item: NewMessage = {
      message,
      ...(onlyEndpointId ? { endpointIds: [onlyEndpointId] } : {}),
      ...(idempotency ? { idempotency } : {}),
    };
    return this.options.tracing ? this.traced(item, this.options.tracing) : this.enqueue(item);
  }

  /**
   * Commits a message whose destinations the caller chose (the inbound router's filters), in the
   * same group commit as every other message: no subscription check. A message whose eventId its
   * application already has is refused with a ConflictError, and nothing of it is written.
   */
  submitTo(message: Message, endpointIds: string[]): Promise<void> {
    const item: NewMessage = { message, endpointIds };
    return this.options.tracing ? this.traced(item, this.options.tracing) : this.enqueue(item);
  }

  /**
   * Enqueues the message with the traceparent of a span that lasts until its commit: the store
   * keeps it, so each delivery attempt, on whichever thread or process, joins the trace.
   */
  private async traced(item: NewMessage, tracing: MessageTracing): Promise<void> {
    const span = tracing.messageSubmitted(item.message);
    try {
      await this.enqueue(span.traceparent ? { ...item, message: { ...item.message, traceparent: span.traceparent } } : item);
      span.end();
    } catch (error) {
      span.end(error);
      throw error;
    }
  }

  private enqueue(item: NewMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    // Let requests that arrived in this same turn of the event loop join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.options.maxBatch ?? 1_000);
        let results: Array<HeraldError | null>;
        try {
          const items = batch.map((queued) => queued.item);
          const now = this.options.clock();
          results = await (this.options.commit ? this.options.commit(items, now) : this.options.store.createMessages(items, now));
        } catch (error) {
          // Nothing in the batch was committed, so nothing was accepted: say so with a 503 the
          // client can retry, rather than a 500.
          const failure = error instanceof HeraldError ? error : Object.assign(new UnavailableError(), { cause: error });
          for (const queued of batch) queued.reject(failure);
          continue;
        }
        let accepted = 0;
        batch.forEach((queued, index) => {
          const failure = results[index];
          if (failure) queued.reject(failure);
          else {
            accepted++;
            queued.resolve();
          }
        });
        if (accepted > 0) {
          this.options.onCommitted?.(accepted);
          for (const listener of this.commitListeners) listener();
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
