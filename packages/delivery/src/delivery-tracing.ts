import type { ClaimedDelivery } from '@herald/storage';

/**
 * What the delivery worker asks of a tracer. Absent unless tracing is configured
 * (server/src/tracing), so this package never imports OpenTelemetry.
 */
export interface DeliveryTracing {
  /** Starts a delivery attempt's span, a child of its message's ingest span when it was traced. */
  attemptStarted(delivery: ClaimedDelivery): AttemptSpan;
}

export interface AttemptSpan {
  /** Sent to the receiver as the W3C `traceparent` header, so that its own trace joins this one. */
  readonly traceparent: string | undefined;
  end(result: AttemptSpanResult): void;
}

export interface AttemptSpanResult {
  /** success, retry or failed as judged; not-sent when the request was never made (handed back). */
  outcome: 'success' | 'retry' | 'failed' | 'not-sent';
  statusCode?: number;
  durationMs?: number;
  /** Why no response came: timeout, dns, connect, tls, network or a refused target. */
  failure?: string;
}
