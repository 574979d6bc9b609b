import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ConflictError, NotFoundError, isVerifiedOrExempt, newMessage, type Message } from '@herald/core';
import { findOrCreateApp, requireApp, requireEndpoint, type ApiDeps } from '../deps.ts';
import { idempotencyRecord } from '../idempotency.ts';
import { parse } from '../validation.ts';
import { booleanQuery, eventTypeName, eventTypesQuery, iso, listQuery, msOf, timeRange } from '../schemas/common.ts';
import { messageIn, messageOut } from '../schemas/message.ts';
import { throttleOf } from '../schemas/application.ts';
import { examplePayload } from '../schemas/event-type.ts';

type AppParams = { Params: { app_id: string } };

/** The built-in test event of send-example (Herald extension). */
const PING_EVENT_TYPE = 'herald.ping';

const withContentQuery = z.object({ with_content: booleanQuery.default(true) });

export function registerMessageRoutes(app: FastifyInstance, deps: ApiDeps): void {
  /** Commits the message, and the response for its Idempotency-Key, in one transaction. */
  const accept = async (request: FastifyRequest, message: Message, withContent: boolean, status: number, onlyEndpointId?: string) => {
    const body = messageOut(message, withContent);
    const claim = request.idempotency;
    const record = claim ? idempotencyRecord(claim, status, JSON.stringify(body), deps.clock()) : undefined;
    await deps.ingest.submit(message, record, onlyEndpointId);
    request.idempotencySaved = record !== undefined;
    return body;
  };

  app.post<AppParams>('/api/v1/app/:app_id/msg', async (request, reply) => {
    const { with_content: withContent } = parse(withContentQuery, request.query, 'query');
    const body = parse(messageIn, request.body, 'body');
    const application = await findOrCreateApp(deps, request.params.app_id,
      body.application && { ...body.application, throttleRate: throttleOf(body.application) });
    if (!application) throw new NotFoundError('Application');
    const now = deps.clock();
    const message = newMessage({
      appId: application.id,
      eventType: body.eventType,
      eventId: body.eventId,
      channels: body.channels,
      tags: body.tags,
      // The payload as sent, byte for byte (see rawJsonValues); re-serializing would change it.
      payload: request.rawJsonValues?.get('payload') ?? JSON.stringify(body.payload),
    }, now);
    return reply.code(202).send(await accept(request, message, withContent, 202));
  });

  app.get<AppParams>('/api/v1/app/:app_id/msg', async (request) => {
    const query = parse(listQuery.extend(timeRange.shape).extend({
      channel: z.string().optional(),
      tag: z.string().max(128).optional(),
      event_types: eventTypesQuery,
      with_content: booleanQuery.default(true),
    }), request.query, 'query');
    const application = await requireApp(deps, request.params.app_id);
    const page = await deps.store.listMessages(application.id, {
      limit: query.limit, iterator: query.iterator ?? null, order: query.order ?? 'descending',
      eventTypes: query.event_types, channel: query.channel, tag: query.tag, before: msOf(query.before), after: msOf(query.after),
    });
    return { ...page, data: page.data.map((message) => messageOut(message, query.with_content)) };
  });

  app.get<{ Params: { app_id: string; msg_id: string } }>('/api/v1/app/:app_id/msg/:msg_id', async (request) => {
    const { with_content: withContent } = parse(withContentQuery, request.query, 'query');
    const application = await requireApp(deps, request.params.app_id);
    const message = await deps.store.getMessage(application.id, request.params.msg_id);
    if (!message) throw new NotFoundError('Message');
    return messageOut(message, withContent);
  });

  // Svix's message.expungeContent: the payload goes for good, and so do the deliveries not yet made.
  app.delete<{ Params: { app_id: string; msg_id: string } }>('/api/v1/app/:app_id/msg/:msg_id/content', async (request, reply) => {
    const application = await requireApp(deps, request.params.app_id);
    const message = await deps.store.getMessage(application.id, request.params.msg_id);
    if (!message || !(await deps.store.expungeMessageContent(application.id, message.id, deps.clock()))) throw new NotFoundError('Message');
    return reply.code(204).send();
  });

  app.post<{ Params: { app_id: string; endpoint_id: string } }>('/api/v1/app/:app_id/endpoint/:endpoint_id/send-example', async (request) => {
    const body = parse(z.object({ eventType: eventTypeName }), request.body, 'body');
    const { app: application, endpoint } = await requireEndpoint(deps, request.params.app_id, request.params.endpoint_id);
    if (!isVerifiedOrExempt(endpoint)) {
      throw new ConflictError('This endpoint has not passed its verification challenge yet; POST .../verify first.');
    }
    const now = deps.clock();
    // herald.ping is built in: it needs no event type, so `herald endpoint ping` works on any endpoint.
    const payload = body.eventType === PING_EVENT_TYPE
      ? { type: PING_EVENT_TYPE, endpointId: endpoint.id, timestamp: iso(now) }
      : examplePayload(await deps.store.getEventType(body.eventType));
    const message = newMessage({ appId: application.id, eventType: body.eventType, payload: JSON.stringify(payload) }, now);
    return accept(request, message, true, 200, endpoint.id);
  });
}
