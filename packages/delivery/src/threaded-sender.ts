import { Worker } from 'node:worker_threads';
import type { HttpSenderOptions, SendRequest, SendResult } from './http-sender.ts';
import type { Sender } from './worker.ts';
import { typeScriptWorkerSource } from './worker-bootstrap.ts';

/**
 * Runs the HTTP client on its own thread, so that in embedded mode sending and the API (with its
 * storage work) use two cores. Requests and results cross the thread boundary in per-tick batches.
 * If the thread dies, every outstanding request resolves as not sent: whether it reached the receiver
 * is unknown, so it is handed back and sent again (at-least-once), not recorded as a failure.
 */
export class ThreadedSender implements Sender {
  private readonly worker: Worker;
  private readonly pending = new Map<number, (result: SendResult) => void>();
  private outbox: Array<[number, SendRequest]> = [];
  private scheduled = false;
  private nextId = 0;
  private closed = false;

  constructor(options: Omit<HttpSenderOptions, 'lookup'>) {
    this.worker = new Worker(typeScriptWorkerSource(new URL('./sender-thread.ts', import.meta.url)), { eval: true, workerData: options });
    this.worker.on('message', (batch: Array<[number, SendResult]>) => {
      for (const [id, result] of batch) {
        this.pending.get(id)?.(result);
        this.pending.delete(id);
      }
    });
    this.worker.on('error', () => this.giveBackAll());
    this.worker.on('exit', () => this.giveBackAll());
    this.worker.unref();
  }

  send(request: SendRequest): Promise<SendResult> {
    if (this.closed) return Promise.resolve({ kind: 'not-sent' });
    const id = this.nextId++;
    this.outbox.push([id, request]);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return new Promise((resolve) => this.pending.set(id, resolve));
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.outbox;
    this.outbox = [];
    this.worker.postMessage(batch);
  }

  private giveBackAll(): void {
    for (const resolve of this.pending.values()) resolve({ kind: 'not-sent' });
    this.pending.clear();
  }

  /** Lets requests in flight finish (each is bounded by its deadline), then ends the thread. */
  async close(): Promise<void> {
    // The thread is unref'd so that it never holds a process open; while closing it must.
    this.closed = true;
    this.worker.ref();
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.postMessage('close');
    await exited;
  }
}
