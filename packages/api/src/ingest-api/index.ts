import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.ts';
import { registerIngestEndpointRoutes } from './routes/endpoints.ts';
import { registerFilterTestRoutes } from './routes/filter-test.ts';
import { registerRequestLogRoutes } from './routes/requests.ts';
import { registerSourceRoutes } from './routes/sources.ts';

/** Paths under this prefix are the ingest management API: bearer auth, admin or organisation tokens only. */
export const INGEST_API_PREFIX = '/ingest/api/';

/** Svix Ingest's management API (sources, their endpoints) and Herald's request log, replay and filter tests. */
export function registerIngestApi(app: FastifyInstance, deps: ApiDeps): void {
  registerSourceRoutes(app, deps);
  registerIngestEndpointRoutes(app, deps);
  registerRequestLogRoutes(app, deps);
  registerFilterTestRoutes(app, deps);
}
