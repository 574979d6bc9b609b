/** What the delivery engine reports; the server backs it with Prometheus collectors. */
export interface DeliveryMetrics {
  attemptFinished(outcome: 'success' | 'retry' | 'failed', durationMs: number): void;
  /** Time from the message being accepted to a successful delivery. */
  deliveredAfter(ms: number): void;
  staleResultDiscarded(): void;
}

export const noDeliveryMetrics: DeliveryMetrics = {
  attemptFinished() {},
  deliveredAfter() {},
  staleResultDiscarded() {},
};
