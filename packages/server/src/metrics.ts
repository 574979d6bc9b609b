import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DeliveryMetrics } from '@herald/delivery';
import type { Store } from '@herald/storage';

/** Prometheus collectors for Herald; exposed at GET /metrics. */
export function createMetrics(store: Store, clock: () => number) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'herald_' });
  const attempts = new Counter({
    name: 'herald_delivery_attempts_total',
    help: 'Delivery attempts by outcome (success, retry = failed and rescheduled, failed = given up).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const attemptDuration = new Histogram({
    name: 'herald_delivery_attempt_duration_seconds',
    help: 'Time from sending a request to reading its response.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
    registers: [registry],
  });
  const deliveryLatency = new Histogram({
    name: 'herald_delivery_latency_seconds',
    help: 'Time from a message being accepted to its successful delivery to an endpoint.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3_600, 36_000],
    registers: [registry],
  });
  const stale = new Counter({
    name: 'herald_delivery_stale_results_total',
    help: 'Attempt results discarded because a newer lease had taken the delivery over.',
    registers: [registry],
  });
  const accepted = new Counter({ name: 'herald_messages_accepted_total', help: 'Messages committed and answered 202.', registers: [registry] });
  const inbound = new Counter({
    name: 'herald_inbound_requests_total',
    help: 'Requests to ingest URLs by verdict (accepted, duplicate, rejected, rate_limited) and, for rejections, the reason.',
    labelNames: ['verdict', 'reason'] as const,
    registers: [registry],
  });
  const threadRestarts = new Counter({
    name: 'herald_delivery_thread_restarts_total',
    help: 'Times the embedded delivery thread died and was replaced (each one is logged with its cause).',
    registers: [registry],
  });
  new Gauge({
    name: 'herald_queue_depth',
    help: 'Deliveries not yet finished (pending or in flight).',
    registers: [registry],
    async collect() {
      this.set((await store.queueStats(clock())).depth);
    },
  });
  new Gauge({
    name: 'herald_queue_lag_seconds',
    help: 'How long the oldest due delivery has been waiting.',
    registers: [registry],
    async collect() {
      const { oldestDueAt } = await store.queueStats(clock());
      this.set(oldestDueAt === null ? 0 : Math.max(0, clock() - oldestDueAt) / 1000);
    },
  });
  const delivery: DeliveryMetrics = {
    attemptFinished(outcome, durationMs) {
      attempts.inc({ outcome });
      attemptDuration.observe(durationMs / 1000);
    },
    deliveredAfter(ms) {
      deliveryLatency.observe(ms / 1000);
    },
    staleResultDiscarded() {
      stale.inc();
    },
  };
  return {
    registry, delivery, messageAccepted: () => accepted.inc(), deliveryThreadRestarted: () => threadRestarts.inc(),
    inboundRequest: (verdict: string, reason: string | null) => inbound.inc({ verdict, reason: reason ?? '' }),
  };
}
