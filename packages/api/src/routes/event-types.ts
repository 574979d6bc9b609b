import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '@herald/core';
import type { ApiDeps } from '../deps.ts';
import { eventTypeVisible } from '../access/authorize.ts';
import { parse } from '../validation.ts';
import { booleanQuery, listQuery, nameIterator } from '../schemas/common.ts';
import { eventTypeIn, eventTypeOut, eventTypePatch, eventTypeUpdate } from '../schemas/event-type.ts';

type NameParams = { Params: { event_type_name: string } };

export function registerEventTypeRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/api/v1/event-type', async (request) => {
    const query = parse(listQuery.extend({ iterator: nameIterator, include_archived: booleanQuery.default(false), with_content: booleanQuery.optional() }),
      request.query, 'query');
    const page = await deps.store.listEventTypes({ ...query, includeArchived: query.include_archived });
    return { ...page, data: page.data.filter((type) => eventTypeVisible(request.principal, type)).map(eventTypeOut) };
  });

  app.post('/api/v1/event-type', async (request, reply) => {
    const body = parse(eventTypeIn, request.body, 'body');
    const created = await deps.store.createEventType({ ...body, featureFlag: body.featureFlag ?? null, schemas: body.schemas ?? null }, deps.clock());
    return reply.code(201).send(eventTypeOut(created));
  });

  app.get<NameParams>('/api/v1/event-type/:event_type_name', async (request) => {
    const type = await deps.store.getEventType(request.params.event_type_name);
    if (!type || !eventTypeVisible(request.principal, type)) throw new NotFoundError('Event type');
    return eventTypeOut(type);
  });

  app.put<NameParams>('/api/v1/event-type/:event_type_name', async (request, reply) => {
    const body = parse(eventTypeUpdate, request.body, 'body');
    const name = request.params.event_type_name;
    const fields = { ...body, featureFlag: body.featureFlag ?? null, schemas: body.schemas ?? null };
    if (await deps.store.getEventType(name)) return eventTypeOut(await deps.store.updateEventType(name, fields, deps.clock()));
    return reply.code(201).send(eventTypeOut(await deps.store.createEventType({ name, ...fields }, deps.clock())));
  });

  app.patch<NameParams>('/api/v1/event-type/:event_type_name', async (request) => {
    const body = parse(eventTypePatch, request.body ?? {}, 'body');
    const changes = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
    return eventTypeOut(await deps.store.updateEventType(request.params.event_type_name, changes, deps.clock()));
  });

  app.delete<NameParams>('/api/v1/event-type/:event_type_name', async (request, reply) => {
    const { expunge } = parse(z.object({ expunge: booleanQuery.default(false) }), request.query, 'query');
    if (!(await deps.store.deleteEventType(request.params.event_type_name, expunge, deps.clock()))) {
      throw new NotFoundError('Event type');
    }
    return reply.code(204).send();
  });
}
