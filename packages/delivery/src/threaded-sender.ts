import { Worker } from 'node:worker_threads';
import type { HttpSenderOptions, SendRequest, SendResult } from './http-sender.ts';
import type { Sender } from './worker.ts';
import { typeScriptWorkerSource } from './worker-bootstrap.ts';

/** A thread that ran at least this long before dying is replaced at once again. */
const HEALTHY_RUN_MS = 10_000;
const MAX_RESPAWN_DELAY_MS = 5_000;

/**
 * Runs the HTTP client on its own thread, so that in embedded mode sending and the API (with its
 * storage work) use two cores. Requests and results cross the thread boundary in per-tick batches.
 * If the thread dies, every outstanding request resolves as not sent: whether it reached the receiver
 * is unknown, so it is handed back and sent again (at-least-once), not recorded as a failure. A new
 * thread takes its place; requests made meanwhile wait for it.
 */
export class ThreadedSender implements Sender {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, (result: SendResult) => void>();
  private outbox: Array<[number, SendRequest]> = [];
  private scheduled = false;
  private nextId = 0;
  private closed = false;
  private startedAt = 0;
  private respawnDelayMs = 0;
  private respawnTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: Omit<HttpSenderOptions, 'lookup'>) {
    this.spawn();
  }

  send(request: SendRequest): Promise<SendResult> {
    if (this.closed) return Promise.resolve({ kind: 'not-sent' });
    const id = this.nextId++;
    this.outbox.push([id, request]);
    this.scheduleFlush();
    return new Promise((resolve) => this.pending.set(id, resolve));
  }

  private spawn(): void {
    this.respawnTimer = undefined;
    this.startedAt = performance.now();
    const worker = new Worker(typeScriptWorkerSource(new URL('./sender-thread.ts', import.meta.url)), { eval: true, workerData: this.options });
    this.worker = worker;
    worker.on('message', (batch: Array<[number, SendResult]>) => {
      for (const [id, result] of batch) {
        this.pending.get(id)?.(result);
        this.pending.delete(id);
      }
    });
    // 'error' is always followed by 'exit'; listening keeps it from being thrown here.
    worker.on('error', () => {});
    worker.on('exit', () => this.died(worker));
    worker.unref();
    this.scheduleFlush();
  }

  private died(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    // Requests not yet posted stay in the outbox for the next thread; those the dead one had are
    // given back, since nobody can say whether they were sent.
    const waiting = new Set(this.outbox.map(([id]) => id));
    for (const [id, resolve] of this.pending) {
      if (waiting.has(id)) continue;
      resolve({ kind: 'not-sent' });
      this.pending.delete(id);
    }
    if (this.closed) return;
    if (performance.now() - this.startedAt >= HEALTHY_RUN_MS) this.respawnDelayMs = 0;
    this.respawnTimer = setTimeout(() => this.spawn(), this.respawnDelayMs);
    this.respawnDelayMs = Math.min(Math.max(this.respawnDelayMs * 2, 100), MAX_RESPAWN_DELAY_MS);
  }

  private scheduleFlush(): void {
    if (this.scheduled || this.outbox.length === 0 || !this.worker) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (!this.worker || this.outbox.length === 0) return;
    const batch = this.outbox;
    this.outbox = [];
    this.worker.postMessage(batch);
  }

  /** Lets requests in flight finish (each is bounded by its deadline), then ends the thread. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.respawnTimer);
    for (const [id] of this.outbox) {
      this.pending.get(id)?.({ kind: 'not-sent' });
      this.pending.delete(id);
    }
    this.outbox = [];
    const worker = this.worker;
    if (!worker) return;
    // The thread is unref'd so that it never holds a process open; while closing it must.
    worker.ref();
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage('close');
    await exited;
  }
}
