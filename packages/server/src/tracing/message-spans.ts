import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { MessageTracing } from '@herald/api';
import type { TraceContextCodec } from './open-telemetry.ts';

/**
 * A PRODUCER span for each message from its submission to the commit that writes it and fans it
 * out to its endpoints' deliveries; a child of the API request that submitted it (a root span for
 * messages Herald makes itself, such as operational webhooks). Its traceparent is stored with the
 * message, so every delivery attempt is its child.
 */
export function messageTracing(tracer: Tracer, contexts: AsyncLocalStorageContextManager, codec: TraceContextCodec): MessageTracing {
  return {
    messageSubmitted(message) {
      const span = tracer.startSpan('message fan-out', {
        kind: SpanKind.PRODUCER,
        attributes: { 'herald.message.id': message.id, 'herald.app.id': message.appId, 'herald.event_type': message.eventType },
      }, contexts.active());
      return {
        traceparent: codec.traceparentOf(span),
        end(error) {
          if (error !== undefined) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
            span.setAttribute('error.type', error instanceof Error ? error.constructor.name : 'error');
          }
          span.end();
        },
      };
    },
  };
}
