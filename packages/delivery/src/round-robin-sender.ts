import type { HttpSenderOptions, SendRequest, SendResult } from './http-sender.ts';
import { ThreadedSender } from './threaded-sender.ts';
import type { Sender } from './worker.ts';

/**
 * Spreads requests over several sender threads, one after another. Each thread gets an equal share
 * of the per-origin concurrency, so the limit still holds across all of them together.
 */
export class RoundRobinSender implements Sender {
  private readonly senders: ThreadedSender[];
  private next = 0;

  constructor(options: Omit<HttpSenderOptions, 'lookup'>, threads: number) {
    const perThread = Math.max(1, Math.floor((options.connectionsPerOrigin ?? 64) / threads));
    this.senders = Array.from({ length: threads }, () => new ThreadedSender({ ...options, connectionsPerOrigin: perThread }));
  }

  send(request: SendRequest): Promise<SendResult> {
    const sender = this.senders[this.next]!;
    this.next = (this.next + 1) % this.senders.length;
    return sender.send(request);
  }

  async close(): Promise<void> {
    await Promise.all(this.senders.map((sender) => sender.close()));
  }
}
