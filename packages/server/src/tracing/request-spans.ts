import type { IncomingMessage } from 'node:http';
import { SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { RequestTracing } from '@herald/api';
import type { TraceContextCodec } from './open-telemetry.ts';

/**
 * A SERVER span for each API request, named after its route once Fastify has found it. Neither
 * the path nor the query is recorded: ingest URLs carry their source's secret token in the path.
 * A caller's own traceparent is honoured, so its trace continues into Herald's.
 */
export function requestTracing(tracer: Tracer, contexts: AsyncLocalStorageContextManager, codec: TraceContextCodec): RequestTracing {
  const spans = new WeakMap<IncomingMessage, Span>();
  return {
    wrap: (listener) => (request, response) => {
      const parent = codec.extract(request.headers);
      const method = request.method ?? 'GET';
      const span = tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } }, parent);
      spans.set(request, span);
      response.once('close', () => {
        span.setAttribute('http.response.status_code', response.statusCode);
        if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        if (!response.writableFinished) span.setAttribute('error.type', 'aborted');
        span.end();
      });
      const context = trace.setSpan(parent, span);
      // The body arrives in events of the connection, outside this call: bound, its handlers (and
      // so the route, and the messages it submits) run inside the request's span.
      contexts.bind(context, request);
      contexts.bind(context, response);
      contexts.with(context, () => listener(request, response));
    },
    routeFound(request, method, route) {
      const span = spans.get(request);
      if (!span) return;
      span.updateName(`${method} ${route}`);
      span.setAttribute('http.route', route);
    },
  };
}
