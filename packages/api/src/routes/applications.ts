import type { FastifyInstance } from 'fastify';
import { NotFoundError, newId } from '@herald/core';
import { requireApp, type ApiDeps } from '../deps.ts';
import { parse } from '../validation.ts';
import { booleanQuery, listQuery } from '../schemas/common.ts';
import { applicationIn, applicationOut, applicationPatch, throttleOf } from '../schemas/application.ts';
import { z } from 'zod';

type AppParams = { Params: { app_id: string } };

export function registerApplicationRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/v1/app', async (request) => {
    const query = parse(listQuery, request.query, 'query');
    const page = await deps.store.listApplications(query);
    return { ...page, data: page.data.map(applicationOut) };
  });

  app.post('/api/v1/app', async (request, reply) => {
    const { get_if_exists: getIfExists } = parse(z.object({ get_if_exists: booleanQuery.default(false) }), request.query, 'query');
    const body = parse(applicationIn, request.body, 'body');
    if (getIfExists && body.uid) {
      const existing = await deps.store.getApplication(body.uid);
      if (existing) return reply.code(200).send(applicationOut(existing));
    }
    const created = await deps.store.createApplication(
      { id: newId('app'), uid: body.uid ?? null, name: body.name, throttleRate: throttleOf(body), metadata: body.metadata },
      deps.clock(),
    );
    return reply.code(201).send(applicationOut(created));
  });

  app.get<AppParams>('/api/v1/app/:app_id', async (request) => applicationOut(await requireApp(deps, request.params.app_id)));

  app.put<AppParams>('/api/v1/app/:app_id', async (request, reply) => {
    const body = parse(applicationIn, request.body, 'body');
    const existing = await deps.store.getApplication(request.params.app_id);
    const fields = { uid: body.uid ?? null, name: body.name, throttleRate: throttleOf(body), metadata: body.metadata };
    if (existing) return applicationOut(await deps.store.updateApplication(existing.id, fields, deps.clock()));
    // PUT to an unknown id creates the application with that id as its uid.
    const created = await deps.store.createApplication(
      { id: newId('app'), ...fields, uid: body.uid ?? request.params.app_id }, deps.clock());
    return reply.code(201).send(applicationOut(created));
  });

  app.patch<AppParams>('/api/v1/app/:app_id', async (request) => {
    const body = parse(applicationPatch, request.body ?? {}, 'body');
    const existing = await requireApp(deps, request.params.app_id);
    const changes: Parameters<typeof deps.store.updateApplication>[1] = {};
    if (body.name !== undefined) changes.name = body.name;
    if (body.uid !== undefined) changes.uid = body.uid;
    if (body.metadata !== undefined) changes.metadata = body.metadata;
    if (body.throttleRate !== undefined || body.rateLimit !== undefined) changes.throttleRate = throttleOf(body);
    return applicationOut(await deps.store.updateApplication(existing.id, changes, deps.clock()));
  });

  app.delete<AppParams>('/api/v1/app/:app_id', async (request, reply) => {
    const existing = await requireApp(deps, request.params.app_id);
    if (!(await deps.store.deleteApplication(existing.id))) throw new NotFoundError('Application');
    return reply.code(204).send();
  });
}
