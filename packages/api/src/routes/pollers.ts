import type { FastifyInstance } from 'fastify';
import { NotFoundError, newId } from '@herald/core';
import { requireApp, type ApiDeps } from '../deps.ts';
import { parse } from '../validation.ts';
import { listQuery, iso } from '../schemas/common.ts';
import { pollerIn, pollerOut, pollerPatch } from '../schemas/poller.ts';
import { newPollerToken, requirePoller } from '../polling/access.ts';
import { iteratorOf } from '../polling/iterator.ts';
import { readPoller } from '../polling/reader.ts';

const LAG_COUNTED = 1_000;
const MAX_CONSUMERS_LISTED = 100;

type AppParams = { Params: { app_id: string } };
type PollerParams = { Params: { app_id: string; sink_id: string } };
/** The create response carries the token: never kept for Idempotency-Key replay. */
const carriesToken = { config: { carriesSecret: true } };

/**
 * Herald's management of polling endpoints (issue 18). `GET .../poller/{sink_id}` itself is Svix's
 * poll (poller-reads.ts), so one endpoint's settings are read at `.../poller/{sink_id}/details`.
 */
export function registerPollerRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post<AppParams>('/api/v1/app/:app_id/poller', carriesToken, async (request, reply) => {
    const application = await requireApp(deps, request.params.app_id);
    const body = parse(pollerIn, request.body ?? {}, 'body');
    const { token, sha256 } = newPollerToken();
    const now = deps.clock();
    const poller = await deps.store.createPollingEndpoint({
      id: newId('poll', now), appId: application.id, uid: body.uid ?? null, filterTypes: body.filterTypes ?? null,
      channels: body.channels ?? null, description: body.description, tokenSha256: sha256,
    }, now);
    return reply.code(201).send({ ...pollerOut(poller), token });
  });

  app.get<AppParams>('/api/v1/app/:app_id/poller', async (request) => {
    const application = await requireApp(deps, request.params.app_id);
    const query = parse(listQuery, request.query, 'query');
    const page = await deps.store.listPollingEndpoints(application.id, query);
    return { ...page, data: page.data.map(pollerOut) };
  });

  app.get<PollerParams>('/api/v1/app/:app_id/poller/:sink_id/details', async (request) =>
    pollerOut(await requirePoller(deps, request.params.app_id, request.params.sink_id)));

  app.patch<PollerParams>('/api/v1/app/:app_id/poller/:sink_id', async (request) => {
    const poller = await requirePoller(deps, request.params.app_id, request.params.sink_id);
    const body = parse(pollerPatch, request.body ?? {}, 'body');
    const changes = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
    return pollerOut(await deps.store.updatePollingEndpoint(poller.appId, poller.id, changes, deps.clock()));
  });

  app.delete<PollerParams>('/api/v1/app/:app_id/poller/:sink_id', async (request, reply) => {
    const poller = await requirePoller(deps, request.params.app_id, request.params.sink_id);
    if (!(await deps.store.deletePollingEndpoint(poller.appId, poller.id))) throw new NotFoundError('Polling endpoint');
    return reply.code(204).send();
  });

  /**
   * Each named consumer, where it stands, and its lag: how many of the endpoint's messages it has
   * not read yet, counted up to LAG_COUNTED (`lagCapped` then says there are more).
   */
  app.get<PollerParams>('/api/v1/app/:app_id/poller/:sink_id/consumer', async (request) => {
    const poller = await requirePoller(deps, request.params.app_id, request.params.sink_id);
    const consumers = await deps.store.listPollerConsumers(poller.id);
    const data = [];
    for (const consumer of consumers.slice(0, MAX_CONSUMERS_LISTED)) {
      const unread = await readPoller(deps.store, poller, consumer.position, LAG_COUNTED, {});
      data.push({
        id: consumer.consumerId, iterator: iteratorOf(consumer.position), updatedAt: iso(consumer.updatedAt),
        lag: unread.messages.length, lagCapped: !unread.done,
      });
    }
    return { data };
  });
}
