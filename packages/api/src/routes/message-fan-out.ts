import type { FastifyInstance } from 'fastify';
import { NotFoundError, explainFanOut } from '@herald/core';
import { requireApp, type ApiDeps } from '../deps.ts';

type MsgParams = { Params: { app_id: string; msg_id: string } };

/** Deliveries of one message read to find which endpoints got one; a message has at most one per endpoint. */
const PAGE = 250;

/**
 * Herald extension (issue 13 §2): for one message, every endpoint of its application with what its
 * subscription and content filter say today (`matched`, `not_subscribed`, `filtered` with the reason)
 * beside `delivered`, whether the message has a delivery to it. The two can differ, and `delivered`
 * is the truth: deliveries are fixed when a message is accepted (a filter changed since does not
 * revisit them), a ping goes to one endpoint whatever its filter, and the inbound router chooses the
 * endpoints of a routed request on the whole request (headers, query, path), not on the payload alone.
 */
export function registerMessageFanOutRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<MsgParams>('/api/v1/app/:app_id/msg/:msg_id/fan-out', async (request) => {
    const application = await requireApp(deps, request.params.app_id);
    const message = await deps.store.getMessage(application.id, request.params.msg_id);
    if (!message) throw new NotFoundError('Message');
    const delivered = new Set<string>();
    let iterator: string | null = null;
    do {
      const page = await deps.store.listMessageDestinations(application.id, message.id, { limit: PAGE, iterator });
      for (const destination of page.data) delivered.add(destination.endpoint.id);
      iterator = page.done ? null : page.iterator;
    } while (iterator);
    const endpoints = await deps.store.allEndpoints(application.id);
    return {
      data: explainFanOut(endpoints, message).map((verdict, i) => ({ ...verdict, url: endpoints[i]!.url, delivered: delivered.has(verdict.endpointId) })),
    };
  });
}
