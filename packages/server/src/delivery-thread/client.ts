import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { OperationalEventSink } from '@herald/core';
import { typeScriptWorkerSource, type DeliveryMetrics } from '@herald/delivery';
import type { DeliveryThreadData, FromDeliveryThread, ToDeliveryThread } from './protocol.ts';

export interface DeliveryThreadHandlers {
  metrics: DeliveryMetrics;
  operational: OperationalEventSink;
  endpointsChanged: () => void;
}

/** The main thread's handle on the delivery thread. */
export class DeliveryThread {
  private readonly worker: Worker;
  private wakePosted = false;
  private readonly stopped: Promise<void>;

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
        case 'stopped':
          markStopped();
          break;
      }
    });
    this.worker.on('error', (error) => logger.fatal({ err: error }, 'the delivery thread failed'));
    this.worker.on('exit', () => markStopped());
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
    this.worker.postMessage(message);
  }

  async stop(): Promise<void> {
    this.post('stop');
    await this.stopped;
  }
}
