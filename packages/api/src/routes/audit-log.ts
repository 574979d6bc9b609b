import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.ts';
import { parse } from '../validation.ts';
import { iso, listQuery } from '../schemas/common.ts';

/** Herald extension: the audit log, newest first, for the admin token. It can be read, never changed. */
export function registerAuditLogRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/v1/audit-log', async (request) => {
    const query = parse(listQuery, request.query, 'query');
    const page = await deps.store.listAuditEntries({ ...query, order: query.order ?? 'descending' });
    return {
      ...page,
      data: page.data.map((entry) => ({
        id: entry.id,
        at: iso(entry.at),
        actor: { kind: entry.actorKind, tokenId: entry.actorTokenId },
        method: entry.method,
        route: entry.route,
        resourceIds: entry.resourceIds,
        status: entry.status,
      })),
    };
  });
}
