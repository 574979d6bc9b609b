import { Worker } from 'node:worker_threads';
import type { HttpSenderOptions, SendRequest, SendResult } from './http-sender.ts';
import type { Sender } from './worker.ts';

/**
 * Herald runs its TypeScript through tsx, whose loader hooks do not reach worker threads on Node 20:
 * the thread registers them itself before importing its module.
 */
function threadBootstrap(entry: URL): string {
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
}

/**
 * Runs the HTTP client on its own thread, so that in embedded mode sending and the API (with its
 * storage work) use two cores. Requests and results cross the thread boundary in per-tick batches.
 * If the thread dies, every outstanding request resolves as a network error and is retried like one.
 */
export class ThreadedSender implements Sender {
  private readonly worker: Worker;
  private readonly pending = new Map<number, (result: SendResult) => void>();
  private outbox: Array<[number, SendRequest]> = [];
  private scheduled = false;
  private nextId = 0;

  constructor(options: Omit<HttpSenderOptions, 'lookup'>) {
    this.worker = new Worker(threadBootstrap(new URL('./sender-thread.ts', import.meta.url)), { eval: true, workerData: options });
    this.worker.on('message', (batch: Array<[number, SendResult]>) => {
      for (const [id, result] of batch) {
        this.pending.get(id)?.(result);
        this.pending.delete(id);
      }
    });
    this.worker.on('error', (error) => this.failAll(error.message));
    this.worker.on('exit', () => this.failAll('sender thread exited'));
    this.worker.unref();
  }

  send(request: SendRequest): Promise<SendResult> {
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

  private failAll(message: string): void {
    for (const resolve of this.pending.values()) resolve({ kind: 'error', reason: 'network', message, durationMs: 0 });
    this.pending.clear();
  }

  /** Lets requests in flight finish (each is bounded by its deadline), then ends the thread. */
  async close(): Promise<void> {
    // The thread is unref'd so that it never holds a process open; while closing it must.
    this.worker.ref();
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.postMessage('close');
    await exited;
  }
}
