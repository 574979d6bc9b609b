import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { MessageStatus, NotFoundError } from '@herald/core';
import type { AttemptFilter } from '@herald/storage';
import { requireApp, requireEndpoint, type ApiDeps } from '../deps.ts';
import { parse } from '../validation.ts';
import { booleanQuery, eventTypesQuery, listQuery, msOf, timeRange } from '../schemas/common.ts';
import { attemptOut, endpointMessageOut } from '../schemas/message.ts';
import { messageEndpointOut } from '../schemas/endpoint.ts';

const status = z.coerce.number().int().pipe(z.enum(MessageStatus)).optional();

const attemptQuery = listQuery.extend(timeRange.shape).extend({
  status,
  status_code_class: z.coerce.number().int().pipe(z.union([z.literal(0), z.literal(100), z.literal(200), z.literal(300), z.literal(400), z.literal(500)])).optional(),
  channel: z.string().optional(),
  endpoint_id: z.string().optional(),
  event_types: eventTypesQuery,
  with_content: booleanQuery.optional(),
});

function attemptFilter(query: z.infer<typeof attemptQuery>): AttemptFilter {
  return {
    limit: query.limit, iterator: query.iterator ?? null, order: 'descending',
    status: query.status, statusCodeClass: query.status_code_class, channel: query.channel,
    endpointId: query.endpoint_id, eventTypes: query.event_types, before: msOf(query.before), after: msOf(query.after),
  };
}

type MsgParams = { Params: { app_id: string; msg_id: string } };
type EndpointParams = { Params: { app_id: string; endpoint_id: string } };

export function registerAttemptRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const requireMessage = async (appIdOrUid: string, msgId: string) => {
    const application = await requireApp(deps, appIdOrUid);
    const message = await deps.store.getMessage(application.id, msgId);
    if (!message) throw new NotFoundError('Message');
    return { application, message };
  };

  app.get<EndpointParams>('/api/v1/app/:app_id/attempt/endpoint/:endpoint_id', async (request) => {
    const query = parse(attemptQuery, request.query, 'query');
    const { app: application, endpoint } = await requireEndpoint(deps, request.params.app_id, request.params.endpoint_id);
    const page = await deps.store.listAttemptsByEndpoint(application.id, endpoint.id, attemptFilter(query));
    return { ...page, data: page.data.map(attemptOut) };
  });

  app.get<MsgParams>('/api/v1/app/:app_id/attempt/msg/:msg_id', async (request) => {
    const query = parse(attemptQuery, request.query, 'query');
    const { application, message } = await requireMessage(request.params.app_id, request.params.msg_id);
    const page = await deps.store.listAttemptsByMessage(application.id, message.id, attemptFilter(query));
    return { ...page, data: page.data.map(attemptOut) };
  });

  app.get<{ Params: { app_id: string; msg_id: string; attempt_id: string } }>(
    '/api/v1/app/:app_id/msg/:msg_id/attempt/:attempt_id',
    async (request) => {
      const { application, message } = await requireMessage(request.params.app_id, request.params.msg_id);
      const attempt = await deps.store.getAttempt(application.id, message.id, request.params.attempt_id);
      if (!attempt) throw new NotFoundError('Message attempt');
      return attemptOut(attempt);
    },
  );

  // Svix's messageAttempt.expungeContent: the response body the endpoint sent back goes for good.
  app.delete<{ Params: { app_id: string; msg_id: string; attempt_id: string } }>(
    '/api/v1/app/:app_id/msg/:msg_id/attempt/:attempt_id/content',
    async (request, reply) => {
      const { application, message } = await requireMessage(request.params.app_id, request.params.msg_id);
      if (!(await deps.store.expungeAttemptContent(application.id, message.id, request.params.attempt_id))) {
        throw new NotFoundError('Message attempt');
      }
      return reply.code(204).send();
    },
  );

  app.get<MsgParams>('/api/v1/app/:app_id/msg/:msg_id/endpoint', async (request) => {
    const query = parse(listQuery, request.query, 'query');
    const { application, message } = await requireMessage(request.params.app_id, request.params.msg_id);
    const page = await deps.store.listMessageDestinations(application.id, message.id, query);
    return { ...page, data: page.data.map((item) => messageEndpointOut(item.endpoint, item.status, item.nextAttemptAt)) };
  });

  app.get<EndpointParams>('/api/v1/app/:app_id/endpoint/:endpoint_id/msg', async (request) => {
    const query = parse(listQuery.extend(timeRange.shape).extend({
      status, channel: z.string().optional(), event_types: eventTypesQuery, with_content: booleanQuery.default(true),
    }), request.query, 'query');
    const { app: application, endpoint } = await requireEndpoint(deps, request.params.app_id, request.params.endpoint_id);
    const page = await deps.store.listEndpointMessages(application.id, endpoint.id, {
      limit: query.limit, iterator: query.iterator ?? null, order: 'descending', status: query.status,
      channel: query.channel, eventTypes: query.event_types, before: msOf(query.before), after: msOf(query.after),
    });
    return { ...page, data: page.data.map((item) => endpointMessageOut(item.message, item.status, item.nextAttemptAt, query.with_content)) };
  });

  app.post<{ Params: { app_id: string; msg_id: string; endpoint_id: string } }>(
    '/api/v1/app/:app_id/msg/:msg_id/endpoint/:endpoint_id/resend',
    async (request, reply) => {
      const { application, message } = await requireMessage(request.params.app_id, request.params.msg_id);
      const endpoint = await deps.store.getEndpoint(application.id, request.params.endpoint_id);
      if (!endpoint) throw new NotFoundError('Endpoint');
      await deps.store.resendMessage(application.id, message.id, endpoint.id, deps.clock());
      deps.queueChanged();
      return reply.code(202).send({});
    },
  );
}
