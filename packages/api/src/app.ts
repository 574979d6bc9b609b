import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { NotFoundError } from '@herald/core';
import { authenticate } from './auth.ts';
import { authorize } from './access/authorize.ts';
import { registerAuditLog } from './audit-log.ts';
import { registerRateLimits } from './rate-limit.ts';
import { capConnectionsPerClient, serverOptionsFor } from './connection-limits.ts';
import type { ApiDeps } from './deps.ts';
import { registerIdempotency } from './idempotency.ts';
import { registerInspector } from './inspector/index.ts';
import { implementedDocument } from './openapi.ts';
import { jsonBodyParser } from './json-body.ts';
import { registerStorableTextChecks } from './storable-text.ts';
import { errorHandler, problemFor, sendProblem } from './problem.ts';
import { registerApplicationRoutes } from './routes/applications.ts';
import { registerAuthTokenRoutes } from './routes/auth-tokens.ts';
import { registerAuditLogRoutes } from './routes/audit-log.ts';
import { registerAttemptRoutes } from './routes/attempts.ts';
import { registerEndpointRoutes } from './routes/endpoints.ts';
import { registerEventTypeRoutes } from './routes/event-types.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerMessageRoutes } from './routes/messages.ts';
import { registerMessageFanOutRoutes } from './routes/message-fan-out.ts';
import { registerEndpointTimelineRoutes } from './routes/endpoint-timeline.ts';
import { registerRelayRoutes } from './relay/relay-routes.ts';
import { registerReceiveRoutes } from './inbound/receive-route.ts';
import { SourceCache } from './inbound/source-cache.ts';
import { INGEST_API_PREFIX, registerIngestApi } from './ingest-api/index.ts';
import { tracedServerFactory } from './tracing.ts';
import { registerPolling } from './polling/register.ts';

const PUBLIC_PATHS = new Set(['/api/v1/health', '/api/v1/health/ping', '/api/v1/openapi.json']);

export function buildApi(given: ApiDeps, logger: Logger): FastifyInstance {
  // Ingest URLs look their source up on every request; the routes that change sources go through
  // this same store, and each such write empties the cache (see SourceCache).
  const sources = new SourceCache();
  const deps: ApiDeps = {
    ...given,
    store: sources.invalidatedBy(given.store),
    inbound: { ...(given.inbound ?? { maxBodyBytes: given.maxBodyBytes, trustedProxies: [] }), sources },
  };
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: deps.maxBodyBytes,
    // A connection that sends nothing for this long is dropped; bounds slow-loris clients.
    requestTimeout: 30_000,
    // The operator's deadlines, when given (the server's config), replace the line above.
    ...(deps.connectionLimits ? serverOptionsFor(deps.connectionLimits) : {}),
    // Per-request log lines would dominate the log at webhook volumes; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true },
    ...(deps.tracing ? { serverFactory: tracedServerFactory(deps.tracing) } : {}),
  });
  const tracing = deps.tracing;
  if (tracing) {
    app.addHook('onRequest', (request, _reply, done) => {
      tracing.routeFound(request.raw, request.method, request.routeOptions.url ?? 'unmatched route');
      done();
    });
  }

  if (deps.connectionLimits) capConnectionsPerClient(app.server, deps.connectionLimits);

  const routes: Array<{ method: string; path: string }> = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, path: route.url });
    }
  });

  // JSON only (anything else is a 415), and keep the raw text: Idempotency-Keys compare requests byte for byte.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, jsonBodyParser(app.getDefaultJsonParser('ignore', 'ignore')));

  app.decorateRequest('rawBody', undefined);
  app.decorateRequest('rawJsonValues', undefined);
  app.decorateRequest('callerScope', '');
  // Set by authentication on every route that is not public; never defaults to a privileged caller.
  app.decorateRequest('principal', null as never);
  // Before authentication: an application token's check looks its path's app id up in the store.
  registerStorableTextChecks(app);
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?', 1)[0]!;
    if (!(path.startsWith('/api/') || path.startsWith(INGEST_API_PREFIX)) || PUBLIC_PATHS.has(path)) return;
    const { principal, scope } = await authenticate(request, deps.adminTokenSha256, deps.store, deps.clock());
    request.principal = principal;
    request.callerScope = scope;
    await authorize(principal, request, deps.store);
  });
  registerRateLimits(app, deps.rateLimits, deps.clock, deps.sharedRateLimits);
  registerIdempotency(app, deps.store, deps.clock);
  registerAuditLog(app, deps.appendAudit ?? ((entries) => deps.store.appendAuditEntries(entries)), deps.clock);

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    const problem = new NotFoundError(`Route ${request.method} ${request.url.split('?', 1)[0]}`);
    return sendProblem(reply, problemFor(404, problem.code, problem.message));
  });

  registerHealthRoutes(app, deps);
  registerApplicationRoutes(app, deps);
  registerEventTypeRoutes(app, deps);
  registerEndpointRoutes(app, deps);
  registerMessageRoutes(app, deps);
  registerMessageFanOutRoutes(app, deps);
  registerAttemptRoutes(app, deps);
  registerInspector(app, deps);
  registerReceiveRoutes(app, deps);
  registerEndpointTimelineRoutes(app, deps);
  registerAuthTokenRoutes(app, deps);
  registerAuditLogRoutes(app, deps);
  if (deps.relay) registerRelayRoutes(app, deps, deps.relay);
  registerIngestApi(app, deps);
  registerPolling(app, deps);

  let document: unknown;
  app.get('/api/v1/openapi.json', async () => (document ??= implementedDocument(routes)));
  return app;
}
