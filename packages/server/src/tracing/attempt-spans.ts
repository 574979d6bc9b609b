import { ROOT_CONTEXT, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { DeliveryTracing } from '@herald/delivery';
import type { TraceContextCodec } from './open-telemetry.ts';

/**
 * A CLIENT span for each delivery attempt, a child of its message's span (whose traceparent the
 * store kept, so this holds across the delivery thread and across worker processes). It records
 * the endpoint by id and host only: endpoint URLs often carry a token in their path or query.
 */
export function deliveryTracing(tracer: Tracer, codec: TraceContextCodec): DeliveryTracing {
  return {
    attemptStarted({ message, endpoint, attemptCount }) {
      const parent = message.traceparent ? codec.extract({ traceparent: message.traceparent }) : ROOT_CONTEXT;
      const span = tracer.startSpan('delivery attempt', {
        kind: SpanKind.CLIENT,
        attributes: {
          'herald.message.id': message.id,
          'herald.app.id': message.appId,
          'herald.event_type': message.eventType,
          'herald.endpoint.id': endpoint.id,
          'herald.attempt.number': attemptCount + 1,
          'http.request.method': 'POST',
          ...hostOf(endpoint.url),
        },
      }, parent);
      return {
        traceparent: codec.traceparentOf(span),
        end(result) {
          span.setAttribute('herald.attempt.outcome', result.outcome);
          if (result.statusCode !== undefined) span.setAttribute('http.response.status_code', result.statusCode);
          if (result.durationMs !== undefined) span.setAttribute('herald.attempt.duration_ms', Math.round(result.durationMs));
          if (result.outcome !== 'success' && result.outcome !== 'not-sent') {
            span.setAttribute('error.type', result.failure ?? String(result.statusCode ?? 'failed'));
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
          span.end();
        },
      };
    },
  };
}

function hostOf(url: string): Record<string, string | number> {
  try {
    const parsed = new URL(url);
    const port = parsed.port === '' ? undefined : Number(parsed.port);
    return { 'url.scheme': parsed.protocol.replace(/:$/, ''), 'server.address': parsed.hostname, ...(port ? { 'server.port': port } : {}) };
  } catch {
    return {};
  }
}
