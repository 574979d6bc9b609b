import { randomBytes } from 'node:crypto';
import type { RelayClientMessage, RelayServerMessage } from '@herald/core';

export type RelayReply =
  | { kind: 'answered'; status: number; headers: Record<string, string>; body: string }
  | { kind: 'unreachable'; error: string }
  | { kind: 'no-answer' }
  | { kind: 'session-closed' };

interface Pending {
  settle: (reply: RelayReply) => void;
  timer: NodeJS.Timeout;
}

/** One `herald listen` connection: deliveries go out over `send`, answers come back by request id. */
export class RelaySession {
  readonly id = randomBytes(24).toString('base64url');
  private readonly pending = new Map<number, Pending>();
  private nextRequestId = 1;
  private closed = false;

  constructor(private readonly send: (message: RelayServerMessage) => void, private readonly replyDeadlineMs: number) {}

  forward(headers: Record<string, string>, body: string): Promise<RelayReply> {
    if (this.closed) return Promise.resolve({ kind: 'session-closed' });
    const requestId = this.nextRequestId++;
    return new Promise((settle) => {
      const timer = setTimeout(() => this.settle(requestId, { kind: 'no-answer' }), this.replyDeadlineMs);
      this.pending.set(requestId, { settle, timer });
      this.send({ type: 'delivery', requestId, headers, body });
    });
  }

  /** An answer from the CLI; unknown or late ones (already timed out) are dropped. */
  receive(message: RelayClientMessage): void {
    if ('error' in message) this.settle(message.requestId, { kind: 'unreachable', error: String(message.error) });
    else this.settle(message.requestId, { kind: 'answered', status: message.status, headers: message.headers ?? {}, body: String(message.body ?? '') });
  }

  close(): void {
    this.closed = true;
    for (const requestId of [...this.pending.keys()]) this.settle(requestId, { kind: 'session-closed' });
  }

  private settle(requestId: number, reply: RelayReply): void {
    const pending = this.pending.get(requestId);
    if (!pending) return;
    this.pending.delete(requestId);
    clearTimeout(pending.timer);
    pending.settle(reply);
  }
}
