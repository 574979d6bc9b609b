import type { Logger } from 'pino';
import {
  MessageStatus,
  isVerifiedOrExempt,
  judgeAttempt,
  newId,
  parseRetryAfter,
  type Attempt,
  type AttemptVerdict,
  type HeraldError,
  type DeliveryPolicy,
  attemptEvent,
  endpointDisabledEvent,
  noOperationalEvents,
  type OperationalEventSink,
} from '@herald/core';
import type { ClaimedDelivery, DeliveryOutcome, DeliveryRelease, NewMessage, Store } from '@herald/storage';
import type { SendRequest, SendResult } from './http-sender.ts';
import { EndpointThrottle } from './endpoint-throttle.ts';
import { OriginBudget } from './origin-budget.ts';
import { ResultWriter } from './result-writer.ts';
import { noDeliveryMetrics, type DeliveryMetrics } from './delivery-metrics.ts';
import type { DeliveryTracing } from './delivery-tracing.ts';

export interface Sender {
  send(request: SendRequest): Promise<SendResult>;
}

export interface DeliveryWorkerOptions {
  store: Store;
  sender: Sender;
  logger: Logger;
  policy: DeliveryPolicy;
  maxInFlight?: number;
  /**
   * Deliveries held for one origin (default 64: the sender's per-origin limit) before its endpoints
   * are left out of claims, so that a slow origin cannot fill the worker. One claim may add up to
   * this many more, so an origin holds less than twice it.
   */
  maxPerOrigin?: number;
  /** Must exceed the sender's longest queue wait plus its deadline, or a slow send outlives its lease. */
  leaseMs?: number;
  claimBatch?: number;
  /** Longest sleep between looks at the queue when nothing wakes the worker. */
  pollIntervalMs?: number;
  /**
   * Shortest time between two claims however often the worker is woken. A shared database is
   * better served by fewer, larger claims than by one per notification.
   */
  minClaimIntervalMs?: number;
  /**
   * Extends the leases of the deliveries this worker still holds (fenced), a third of a lease
   * before they would run out, so that a short lease returns a crashed worker's deliveries quickly
   * without a slow delivery being taken over by another worker. Absent: leases are never extended.
   */
  renewLeases?: (leases: DeliveryRelease[], now: number) => Promise<void>;
  /** After this many failed attempts of one message, operators hear message.attempt.failing. */
  failingAlertAfter?: number;
  clock?: () => number;
  metrics?: DeliveryMetrics;
  operational?: OperationalEventSink;
  /** A span for each attempt, and a traceparent sent with it, when tracing is configured; unset: none. */
  tracing?: DeliveryTracing;
}

const MIN_CLAIM_INTERVAL_MS = 2;
/** A claim that skips saturated endpoints walks past their backlog (20 ms for 100,000): not more often than this. */
const SKIPPING_CLAIM_INTERVAL_MS = 100;
const MAX_SKIPPING_CLAIM_INTERVAL_MS = 1_000;

/** Claims due deliveries, signs and sends them, and records every attempt under its fence. */
export class DeliveryWorker {
  private readonly clock: () => number;
  private readonly maxInFlight: number;
  private readonly leaseMs: number;
  private readonly claimBatch: number;
  private readonly pollIntervalMs: number;
  private readonly throttle = new EndpointThrottle();
  private readonly budget: OriginBudget;
  private readonly writer: ResultWriter;
  private readonly metrics: DeliveryMetrics;
  private readonly operational: OperationalEventSink;
  private readonly running = new Set<Promise<void>>();
  /** Claimed and not yet written back: bounds the work held in memory. */
  private held = 0;
  /** The fences of the deliveries held, by delivery id, for lease renewal. */
  private readonly leases = new Map<string, number>();
  private renewal: NodeJS.Timeout | undefined;
  private pumping = false;
  private pumpAgain = false;
  /** Set by wake() and the poll: work may have become due that no claim has seen yet. */
  private newWork = true;
  /** The skipped endpoints of the last claim that took everything else there was. */
  private exhaustedSkipKey: string | undefined;
  private lastSkippingClaimAt = -Infinity;
  private skippingClaimIntervalMs = SKIPPING_CLAIM_INTERVAL_MS;
  private wakeScheduled = false;
  private lastClaimAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.clock = options.clock ?? Date.now;
    this.maxInFlight = options.maxInFlight ?? 256;
    this.leaseMs = options.leaseMs ?? 300_000;
    const maxPerOrigin = options.maxPerOrigin ?? 64;
    this.budget = new OriginBudget(maxPerOrigin);
    this.claimBatch = Math.min(options.claimBatch ?? 128, maxPerOrigin);
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.writer = new ResultWriter(options.store, this.clock, options.logger);
    this.metrics = options.metrics ?? noDeliveryMetrics;
    this.operational = options.operational ?? noOperationalEvents;
  }

  start(): void {
    this.stopped = false;
    const renew = this.options.renewLeases;
    if (renew) {
      this.renewal = setInterval(() => {
        const until = this.clock() + this.leaseMs;
        const held = [...this.leases].map(([deliveryId, fence]) => ({ deliveryId, fence, availableAt: until }));
        if (held.length === 0) return;
        renew(held, this.clock()).catch((error: unknown) =>
          this.options.logger.warn({ err: error }, 'could not renew leases; they may run out and be sent again'));
      }, this.leaseMs / 3);
      this.renewal.unref();
    }
    this.wake();
  }

  /**
   * New work may be due: look at the queue soon rather than at the next poll. Wakes are coalesced
   * to at most one claim every couple of milliseconds, so that a busy ingest produces a few large
   * claims instead of one small transaction per accepted message.
   */
  wake(): void {
    this.newWork = true;
    this.schedule();
  }

  /** Like wake(), for a delivery that finished here: that frees room, but makes nothing new due. */
  private schedule(): void {
    if (this.stopped || this.wakeScheduled) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    const wait = this.lastClaimAt + (this.options.minClaimIntervalMs ?? MIN_CLAIM_INTERVAL_MS) - performance.now();
    if (wait <= 0) {
      void this.pump();
      return;
    }
    this.wakeScheduled = true;
    setTimeout(() => {
      this.wakeScheduled = false;
      this.schedule();
    }, wait);
  }

  /**
   * Commits accepted messages and, when the store can (embedded mode), leases to this worker in the
   * same transaction as many of their deliveries as a claim would take now: those are sent at once,
   * with no claim to find them and no wait for one. The rest stay queued for the next claim.
   */
  async commitMessages(batch: NewMessage[], now: number): Promise<Array<HeraldError | null>> {
    const { store } = this.options;
    if (!store.createMessagesClaiming || this.stopped) {
      const results = await store.createMessages(batch, now);
      this.wake();
      return results;
    }
    const limit = Math.max(0, Math.min(this.maxInFlight - this.held, this.claimBatch));
    const { results, claimed, queued } = await store.createMessagesClaiming(batch, now,
      { limit, leaseMs: this.leaseMs, skipEndpointIds: this.budget.saturatedEndpoints() });
    for (const delivery of claimed) this.dispatch(delivery);
    if (queued > 0) this.wake();
    return results;
  }

  /** Stops claiming at once, then waits for the deliveries it holds to be recorded or handed back. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.renewal);
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    await this.writer.drain();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    clearTimeout(this.timer);
    let delay = this.pollIntervalMs;
    try {
      do {
        this.pumpAgain = false;
        while (!this.stopped) {
          const free = this.maxInFlight - this.held;
          if (free < Math.min(this.claimBatch, this.maxInFlight / 4)) return; // a finishing delivery wakes us
          const limit = Math.min(free, this.claimBatch);
          const skip = this.budget.saturatedEndpoints();
          const skipKey = skip.join();
          // Nothing has become due since a claim with these same skipped endpoints found all there
          // was: room freed by a finished delivery alone cannot make another claim find more.
          if (!this.newWork && skipKey === this.exhaustedSkipKey) break;
          if (skip.length > 0) {
            // Skipping is not free: the claim walks past the skipped backlog. New work while
            // skipping (a busy ingest) could otherwise mean a walk every few ms.
            const wait = this.lastSkippingClaimAt + this.skippingClaimIntervalMs - performance.now();
            if (wait > 0) {
              delay = Math.min(delay, wait);
              break;
            }
            this.lastSkippingClaimAt = performance.now();
          }
          this.newWork = false;
          const now = this.clock();
          this.lastClaimAt = performance.now();
          const claimed = await this.options.store.claimDeliveries(limit, this.leaseMs, now, skip);
          if (skip.length > 0) {
            // Walks that find nothing (every endpoint with work is saturated) come less and less
            // often, up to a second apart; one that finds work brings them back to the shortest.
            this.skippingClaimIntervalMs = claimed.length > 0 ? SKIPPING_CLAIM_INTERVAL_MS
              : Math.min(this.skippingClaimIntervalMs * 2, MAX_SKIPPING_CLAIM_INTERVAL_MS);
          }
          for (const delivery of claimed) this.dispatch(delivery);
          if (claimed.length < limit) {
            this.exhaustedSkipKey = skipKey;
            break;
          }
          this.newWork = true; // a full claim may have stopped short of work behind it
        }
      } while (this.pumpAgain && !this.stopped);
      // While an origin is saturated, the earliest due delivery may well be one of its own, which
      // the next claim would skip again: rely on the poll and on its deliveries finishing instead.
      const next = this.budget.saturatedEndpoints().length > 0 ? null : await this.options.store.nextDueAt();
      if (next !== null) delay = Math.max(0, Math.min(delay, next - this.clock()));
    } catch (error) {
      this.options.logger.error({ err: error }, 'could not claim deliveries; trying again shortly');
    } finally {
      this.pumping = false;
      if (!this.stopped && this.held < this.maxInFlight) {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.wake(), delay);
        this.timer.unref();
      }
    }
  }

  private dispatch(delivery: ClaimedDelivery): void {
    this.held++;
    this.leases.set(delivery.deliveryId, delivery.fence);
    this.budget.take(delivery.endpoint.id, delivery.endpoint.url);
    // An endpoint awaiting its verification challenge (its URL changed since the message was
    // accepted) is treated as disabled: nothing goes to a URL that has not proved itself.
    if (delivery.endpoint.disabled || !isVerifiedOrExempt(delivery.endpoint)) {
      this.track(this.finish(delivery, null, { kind: 'failed', reason: 'disabled' }, null));
      return;
    }
    const now = this.clock();
    const wait = this.throttle.delayFor(delivery.endpoint.id, delivery.endpoint.throttleRate, now);
    if (wait > 0) this.handBack(delivery, now + wait);
    else this.track(this.attempt(delivery));
  }

  /** The delivery no longer counts against the worker's or its origin's share. */
  private unhold(delivery: ClaimedDelivery): void {
    this.budget.give(delivery.endpoint.url);
    this.releaseSlot(delivery);
  }

  /** The delivery no longer takes one of the worker's slots, and its lease is no longer renewed. */
  private releaseSlot(delivery: ClaimedDelivery): void {
    this.held--;
    this.leases.delete(delivery.deliveryId);
  }

  private track(work: Promise<void>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const { endpoint, message } = delivery;
    const startedAt = this.clock();
    const span = this.options.tracing?.attemptStarted(delivery);
    const result: SendResult = await this.options.sender.send({
      url: endpoint.url,
      // Over the endpoint's own headers: a fixed traceparent there would detach every receiver's trace.
      headers: span?.traceparent ? { ...endpoint.headers, traceparent: span.traceparent } : endpoint.headers,
      ...(message.headers ? { forwarded: forwardedFor(message.headers, endpoint.forwardHeaders) } : {}),
      body: message.payload,
      eventType: message.eventType,
      signing: { msgId: message.id, secrets: delivery.secrets.map((secret) => secret.key) },
    });
    if (result.kind === 'not-sent') {
      span?.end({ outcome: 'not-sent' });
      this.handBack(delivery, this.clock());
      return;
    }
    const statusCode = result.kind === 'response' ? result.status : undefined;
    const now = this.clock();
    const { verdict, disable } = judgeAttempt(
      {
        statusCode,
        retryAfterMs: result.kind === 'response' ? parseRetryAfter(result.headers['retry-after'], now) : undefined,
        previousAttempts: delivery.attemptCount,
        triggerType: delivery.triggerType,
        failingSince: endpoint.failingSince,
        now,
      },
      this.options.policy,
    );
    span?.end({
      outcome: verdict.kind,
      durationMs: result.durationMs,
      ...(statusCode === undefined ? {} : { statusCode }),
      ...(result.kind === 'response' ? {} : { failure: result.reason }),
    });
    const attempt: Attempt = {
      id: newId('atmpt', startedAt),
      msgId: message.id,
      endpointId: endpoint.id,
      appId: message.appId,
      url: endpoint.url,
      status: verdict.kind === 'success' ? MessageStatus.Success : MessageStatus.Fail,
      responseStatusCode: statusCode ?? 0,
      response: result.kind === 'response' ? result.body : `${result.reason}: ${result.message}`,
      responseDurationMs: Math.round(result.durationMs),
      triggerType: delivery.triggerType,
      createdAt: startedAt,
      ...(result.requestHeaders ? { requestHeaders: result.requestHeaders } : {}),
    };
    await this.finish(delivery, attempt, verdict, disable);
  }

  private async finish(
    delivery: ClaimedDelivery,
    attempt: Attempt | null,
    verdict: AttemptVerdict,
    disable: string | null,
  ): Promise<void> {
    const outcome: DeliveryOutcome = verdict.kind === 'failed' ? { kind: 'failed' } : verdict;
    // The origin is free once the request is over; only the worker's slot waits for the result to
    // be written. Counting unwritten results against the origin would starve its next requests
    // for the length of a result batch.
    this.budget.give(delivery.endpoint.url);
    if (!this.stopped) this.schedule();
    const applied = await this.writer.write({
      deliveryId: delivery.deliveryId,
      fence: delivery.fence,
      attempt,
      outcome,
      disableEndpoint: disable !== null,
    });
    this.releaseSlot(delivery);
    if (!this.stopped && this.held <= this.maxInFlight - Math.min(this.claimBatch, this.maxInFlight / 4)) this.schedule();
    if (!applied) {
      if (attempt) this.metrics.staleResultDiscarded();
      return;
    }
    if (!attempt) return;
    this.metrics.attemptFinished(outcome.kind, attempt.responseDurationMs);
    if (outcome.kind === 'success') this.metrics.deliveredAfter(this.clock() - delivery.message.createdAt);
    await this.announce(delivery, attempt, verdict, disable);
  }

  private async announce(delivery: ClaimedDelivery, attempt: Attempt, verdict: AttemptVerdict, disable: string | null): Promise<void> {
    const events = [];
    const attemptNumber = delivery.attemptCount + 1;
    if (verdict.kind === 'failed' && verdict.reason === 'exhausted') {
      events.push(attemptEvent('message.attempt.exhausted', delivery.message, attempt));
    }
    if (verdict.kind !== 'success' && attemptNumber === (this.options.failingAlertAfter ?? 4)) {
      events.push(attemptEvent('message.attempt.failing', delivery.message, attempt));
    }
    if (disable) {
      events.push(endpointDisabledEvent(delivery.endpoint, delivery.endpoint.failingSince ?? attempt.createdAt));
      this.options.logger.warn({ endpointId: delivery.endpoint.id, appId: delivery.message.appId, reason: disable }, 'endpoint disabled');
    }
    for (const event of events) {
      await this.operational.publish(event).catch((error: unknown) =>
        this.options.logger.error({ err: error, type: event.type }, 'could not publish operational event'));
    }
  }

  /** Returns a leased delivery to the queue without an attempt, due at `availableAt`. */
  private handBack(delivery: ClaimedDelivery, availableAt: number): void {
    this.unhold(delivery);
    const release = { deliveryId: delivery.deliveryId, fence: delivery.fence, availableAt };
    this.track(this.options.store.releaseDeliveries([release], this.clock()).catch((error: unknown) =>
      this.options.logger.warn({ err: error }, 'could not hand back a delivery; its lease will expire')));
  }
}

/**
 * The part of a message's kept request headers one endpoint gets: the original content-type, and
 * the provider headers this endpoint lists in forwardHeaders. A message routed to several ingest
 * endpoints keeps the union of their lists; each endpoint still gets only its own.
 */
export function forwardedFor(kept: Record<string, string>, listed: readonly string[] | null | undefined): Record<string, string> {
  const forwarded: Record<string, string> = {};
  if (kept['content-type'] !== undefined) forwarded['content-type'] = kept['content-type'];
  for (const name of listed ?? []) {
    const value = kept[name.toLowerCase()];
    if (value !== undefined) forwarded[name.toLowerCase()] = value;
  }
  return forwarded;
}
