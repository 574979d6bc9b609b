import type { Logger } from 'pino';
import type { AuditEntry, HeraldError } from '@herald/core';
import type { NewInboundRequest, NewMessage, RecordedInboundRequest } from '@herald/storage';
import type { DeliveryThread } from './client.ts';

export interface DeliverySupervisorOptions {
  /** Starts a delivery thread that calls `exitedUnexpectedly` if it ends without being stopped. */
  start: (exitedUnexpectedly: (code: number) => void) => DeliveryThread;
  /**
   * Hands back to the queue every delivery still leased: a dead thread's leases were its alone
   * (embedded mode has one worker), and it will never write their results.
   */
  recoverLeases: () => Promise<number>;
  logger: Logger;
  /** Called each time a new thread replaces a dead one. */
  restarted?: () => void;
  /** First wait before a restart (default 1 s); it doubles, up to maxRestartDelayMs, while threads keep dying young. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
}

/** A thread that ran at least this long before dying is restarted after the shortest wait again. */
const HEALTHY_RUN_MS = 60_000;

/**
 * Keeps the embedded delivery thread running. If it dies (an uncaught error in it, say), accepted
 * messages would otherwise wait for the next restart of Herald, and every new one would get a 503:
 * instead a new thread is started after a short wait, once the dead one's leases are handed back,
 * so that what it held is sent again (at-least-once: a request may have reached its receiver just
 * before). Until then ingest answers 503, which clients retry.
 */
export class DeliverySupervisor {
  private current: DeliveryThread;
  private startedAt = 0;
  private delayMs: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(private readonly options: DeliverySupervisorOptions) {
    this.delayMs = options.restartDelayMs ?? 1_000;
    this.current = this.launch();
  }

  wake(): void {
    this.current.wake();
  }

  commitMessages(batch: NewMessage[], now: number): Promise<Array<HeraldError | null>> {
    return this.current.commitMessages(batch, now);
  }

  appendAuditEntries(entries: AuditEntry[]): Promise<void> {
    return this.current.appendAuditEntries(entries);
  }

  recordInbound(batch: NewInboundRequest[], now: number): Promise<Array<RecordedInboundRequest | HeraldError>> {
    return this.current.recordInbound(batch, now);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    await this.current.stop();
  }

  private launch(): DeliveryThread {
    this.startedAt = performance.now();
    return this.options.start((code) => this.died(code));
  }

  private died(code: number): void {
    if (this.stopping) return;
    if (performance.now() - this.startedAt >= HEALTHY_RUN_MS) this.delayMs = this.options.restartDelayMs ?? 1_000;
    this.options.logger.error({ exitCode: code, restartInMs: this.delayMs }, 'the delivery thread stopped unexpectedly; starting a new one');
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.options.maxRestartDelayMs ?? 30_000);
    this.restartTimer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    if (this.stopping) return;
    let recovered: number;
    try {
      recovered = await this.options.recoverLeases();
    } catch (error) {
      this.options.logger.error({ err: error }, 'could not hand back the dead delivery thread\'s leases; trying again');
      this.scheduleRestart();
      return;
    }
    if (this.stopping) return;
    this.current = this.launch();
    this.options.restarted?.();
    this.options.logger.warn({ deliveries: recovered }, 'delivery thread restarted; the deliveries it held are queued again');
  }
}
