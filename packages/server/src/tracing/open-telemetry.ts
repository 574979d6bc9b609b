import { ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter, trace, type Context, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, NodeTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { HeraldTracing } from './index.ts';
import type { TracingSettings } from './settings.ts';
import { requestTracing } from './request-spans.ts';
import { messageTracing } from './message-spans.ts';
import { deliveryTracing } from './attempt-spans.ts';

/** W3C trace context in and out of the headers Herald reads and sends, and of the messages it stores. */
export interface TraceContextCodec {
  extract(carrier: Record<string, string | string[] | undefined>): Context;
  /** The traceparent that makes the span a receiver's parent. */
  traceparentOf(span: Span): string | undefined;
}

/**
 * One tracer provider for this process or thread, kept to itself rather than registered as
 * OpenTelemetry's global: two Heralds in one process (tests, embedding) then each export their
 * own spans and stop without touching the other's. Its context manager carries a request's span
 * to the messages that request submits.
 */
export function startOpenTelemetry(settings: TracingSettings, component: string): HeraldTracing {
  const resource = resourceFromAttributes({ 'service.name': 'herald', 'herald.component': component })
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the defaults above.
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: settings.exporters.map((name) => new BatchSpanProcessor(exporterFor(name, settings))),
  });
  const tracer = provider.getTracer('herald');
  const contexts = new AsyncLocalStorageContextManager().enable();
  const propagator = new W3CTraceContextPropagator();
  const codec: TraceContextCodec = {
    extract: (carrier) => propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter),
    traceparentOf(span) {
      const carrier: Record<string, string> = {};
      propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
      return carrier.traceparent;
    },
  };
  return {
    requests: requestTracing(tracer, contexts, codec),
    messages: messageTracing(tracer, contexts, codec),
    deliveries: deliveryTracing(tracer, codec),
    async shutdown() {
      await provider.shutdown();
      contexts.disable();
    },
  };
}

/** Each exporter reads its own OTEL_EXPORTER_OTLP_* variables (endpoint, headers, timeout). */
function exporterFor(name: TracingSettings['exporters'][number], settings: TracingSettings): SpanExporter {
  if (name === 'console') return new ConsoleSpanExporter();
  return settings.protocol === 'http/json' ? new OtlpJsonExporter() : new OtlpProtobufExporter();
}
