import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { UnavailableError, type AuditEntry, type HeraldError, type OperationalEventSink } from '@herald/core';
import { typeScriptWorkerSource, type DeliveryMetrics } from '@herald/delivery';
import type { NewInboundRequest, NewMessage, RecordedInboundRequest } from '@herald/storage';
import { fromWireError, type DeliveryThreadData, type FromDeliveryThread, type ToDeliveryThread } from './protocol.ts';

interface PendingWrite {
  resolve: (results: never) => void;
  reject: (error: unknown) => void;
}

export interface DeliveryThreadHandlers {
  metrics: DeliveryMetrics;
  operational: OperationalEventSink;
  endpointsChanged: () => void;
  /** The thread ended without being asked to stop (an uncaught error in it, say). */
  exitedUnexpectedly?: (code: number) => void;
}

/** The main thread's handle on the delivery thread. */
export class DeliveryThread {
  private readonly worker: Worker;
  private wakePosted = false;
  private readonly stopped: Promise<void>;
  private readonly writes = new Map<number, PendingWrite>();
  private nextWriteId = 0;
  private exited = false;
  private stopRequested = false;

  constructor(data: DeliveryThreadData, handlers: DeliveryThreadHandlers, logger: Logger) {
    this.worker = new Worker(typeScriptWorkerSource(new URL('./entry.ts', import.meta.url)), { eval: true, workerData: data });
    let markStopped: () => void;
    this.stopped = new Promise((resolve) => (markStopped = resolve));
    this.worker.on('message', (message: FromDeliveryThread) => {
      switch (message.type) {
        case 'metrics':
          for (const [outcome, ms] of message.attempts) handlers.metrics.attemptFinished(outcome, ms);
          for (const ms of message.delivered) handlers.metrics.deliveredAfter(ms);
          for (let i = 0; i < message.stale; i++) handlers.metrics.staleResultDiscarded();
          break;
        case 'event':
          handlers.operational.publish(message.event).catch((error: unknown) =>
            logger.error({ err: error, type: message.event.type }, 'could not publish operational event'));
          break;
        case 'endpoints-changed':
          handlers.endpointsChanged();
          break;
        case 'committed':
          this.writes.get(message.id)?.resolve(message.results.map(fromWireError) as never);
          this.writes.delete(message.id);
          break;
        case 'recorded':
          this.writes.get(message.id)?.resolve(message.results.map((result) =>
            'recorded' in result ? result.recorded : fromWireError(result.error)!) as never);
          this.writes.delete(message.id);
          break;
        case 'written':
          this.writes.get(message.id)?.resolve([] as never);
          this.writes.delete(message.id);
          break;
        case 'write-failed':
          this.writes.get(message.id)?.reject(new Error(message.reason));
          this.writes.delete(message.id);
          break;
        case 'stopped':
          markStopped();
          break;
      }
    });
    this.worker.on('error', (error) => logger.error({ err: error }, 'the delivery thread failed'));
    this.worker.on('exit', (code) => {
      // A batch the thread never answered for may or may not have committed: the client is told
      // 503, and a retry with its Idempotency-Key (or eventId) cannot make a second message.
      this.exited = true;
      const unanswered = new UnavailableError('The delivery engine stopped; the message may not have been accepted. Retry with the same Idempotency-Key.');
      for (const write of this.writes.values()) write.reject(unanswered);
      this.writes.clear();
      markStopped();
      if (!this.stopRequested) handlers.exitedUnexpectedly?.(code);
    });
  }

  /** Commits accepted messages on the delivery thread, which takes their deliveries at once. */
  commitMessages(batch: NewMessage[], now: number): Promise<Array<HeraldError | null>> {
    return this.write((id) => ({ type: 'commit', id, batch, now }));
  }

  /**
   * Appends audit rows on the delivery thread too: it writes the busy tables, and a second writer
   * on this thread would wait for its lock with the event loop blocked.
   */
  async appendAuditEntries(entries: AuditEntry[]): Promise<void> {
    await this.write((id) => ({ type: 'audit', id, entries }));
  }

  /**
   * Records inbound requests (the receive route's group commit) on the delivery thread, the one
   * writer, which also routes them; resolves once they are committed.
   */
  recordInbound(batch: NewInboundRequest[], now: number): Promise<Array<RecordedInboundRequest | HeraldError>> {
    return this.write((id) => ({ type: 'record-inbound', id, batch, now }));
  }

  private write<T = Array<HeraldError | null>>(request: (id: number) => ToDeliveryThread): Promise<T> {
    if (this.exited) return Promise.reject(new UnavailableError('The delivery engine has stopped; the request was not accepted.'));
    const id = this.nextWriteId++;
    return new Promise((resolve, reject) => {
      this.writes.set(id, { resolve, reject });
      this.post(request(id));
    });
  }

  /** New work may be due. Coalesced: one message per turn of the event loop at most. */
  wake(): void {
    if (this.wakePosted) return;
    this.wakePosted = true;
    setImmediate(() => {
      this.wakePosted = false;
      this.post('wake');
    });
  }

  private post(message: ToDeliveryThread): void {
    if (this.exited) return;
    this.worker.postMessage(message);
  }

  async stop(): Promise<void> {
    this.stopRequested = true;
    if (!this.exited) this.post('stop');
    await this.stopped;
  }
}
