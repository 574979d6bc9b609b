import type { FastifyInstance } from 'fastify';
import { UnavailableError } from '@herald/core';
import type { ApiDeps } from '../deps.ts';

export function registerHealthRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/v1/health/ping', async (_request, reply) => reply.code(204).send());
  app.get('/api/v1/health', async (_request, reply) => {
    if (!(await deps.storageHealthy())) throw new UnavailableError('Storage is not answering.');
    return reply.code(204).send();
  });
}
