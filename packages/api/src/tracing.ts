import { createServer, type IncomingMessage, type ServerOptions, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Message } from '@herald/core';

/**
 * What the API asks of a tracer. Absent unless tracing is configured (server/src/tracing), so the
 * API never imports OpenTelemetry and, without it, pays one property check per request.
 */
export interface RequestTracing {
  /** Wraps the HTTP server's listener: each request is handled inside its own span. */
  wrap(listener: RequestListener): RequestListener;
  /** The request's route is known: its span is named after it (`POST /api/v1/app/:app_id/msg`). */
  routeFound(request: IncomingMessage, method: string, route: string): void;
}

/** A message's span from its submission to its commit (with its fan-out to endpoints). */
export interface MessageSpan {
  /** The span's W3C traceparent, kept with the message: its delivery attempts become its children. */
  readonly traceparent: string | undefined;
  end(error?: unknown): void;
}

export interface MessageTracing {
  /** Starts the span of a message being committed, a child of the request that submitted it, if any. */
  messageSubmitted(message: Message): MessageSpan;
}

/**
 * Fastify's server factory for a traced API: the same HTTP server Fastify makes, with the same
 * timeouts, its listener wrapped. Fastify applies its timeout options only to servers it makes.
 */
export function tracedServerFactory(tracing: RequestTracing) {
  return (handler: (request: IncomingMessage, response: ServerResponse) => void,
    options: { http?: ServerOptions; keepAliveTimeout?: number; requestTimeout?: number; connectionTimeout?: number }): Server => {
    // `http` carries the header deadline and the deadline-check interval (connection-limits.ts).
    const server = createServer(options.http ?? {}, tracing.wrap(handler));
    if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout;
    if (options.requestTimeout !== undefined) server.requestTimeout = options.requestTimeout;
    if (options.connectionTimeout !== undefined) server.setTimeout(options.connectionTimeout);
    return server;
  };
}
