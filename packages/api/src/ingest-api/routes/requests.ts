import type { FastifyInstance } from 'fastify';
import { NotFoundError, ValidationError } from '@herald/core';
import type { InboundRequest, InboundSource } from '@herald/storage';
import type { ApiDeps } from '../../deps.ts';
import { msOf } from '../../schemas/common.ts';
import { parse } from '../../validation.ts';
import { requireSource } from '../require.ts';
import { reverify } from '../reverify.ts';
import { bulkReplayIn, inboundRequestOut, requestListQuery, routeOutcomeOut } from '../schemas/request.ts';
import { ingestUrlOf } from '../schemas/source.ts';

type SourceParams = { Params: { source_id: string } };
type RequestParams = { Params: { source_id: string; request_id: string } };

/** Attempts shown per outcome: enough for a whole retry schedule, bounded for a request that was resent often. */
const ATTEMPTS_PER_OUTCOME = 100;

/**
 * The request log (Herald extension): every request a source received, with its verdict; one
 * request with each endpoint's outcome and that forward's delivery attempts; and replay, which
 * routes stored requests again to the current endpoints and filters (a new routing round).
 */
export function registerRequestLogRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const requireRequest = async (sourceIdOrUid: string, requestId: string): Promise<{ source: InboundSource; request: InboundRequest }> => {
    const source = await requireSource(deps, sourceIdOrUid);
    const request = await deps.store.getInboundRequest(source.id, requestId);
    if (!request) throw new NotFoundError('Inbound request');
    return { source, request };
  };

  const detail = async (source: InboundSource, request: InboundRequest) => {
    const outcomes = await deps.store.listRouteOutcomes(request.id);
    return {
      ...inboundRequestOut(request, source),
      outcomes: await Promise.all(outcomes.map(async (outcome) => {
        const attempts = outcome.msgId === null ? [] : (await deps.store.listAttemptsByMessage(source.appId, outcome.msgId,
          { limit: ATTEMPTS_PER_OUTCOME, endpointId: outcome.endpointId })).data;
        return routeOutcomeOut(outcome, attempts);
      })),
    };
  };

  app.get<SourceParams>('/ingest/api/v1/source/:source_id/request', async (request) => {
    const query = parse(requestListQuery, request.query, 'query');
    const source = await requireSource(deps, request.params.source_id);
    const page = await deps.store.listInboundRequests(source.id, {
      limit: query.limit,
      iterator: query.iterator ?? null,
      ...(query.order ? { order: query.order } : {}),
      ...(query.verdict ? { verdict: query.verdict } : {}),
      ...(query.before ? { before: msOf(query.before)! } : {}),
      ...(query.after ? { after: msOf(query.after)! } : {}),
    });
    return { ...page, data: page.data.map((item) => inboundRequestOut(item, source, query.with_content)) };
  });

  app.get<RequestParams>('/ingest/api/v1/source/:source_id/request/:request_id', async (request) => {
    const found = await requireRequest(request.params.source_id, request.params.request_id);
    return detail(found.source, found.request);
  });

  /**
   * An accepted request is routed again. A rejected one is first checked again against the source
   * as it is now; if it still fails, 422 says why, and it stays rejected. A duplicate is routed
   * through its original, so replaying it is refused with the original's id.
   */
  app.post<RequestParams>('/ingest/api/v1/source/:source_id/request/:request_id/replay', async (request, reply) => {
    const { source, request: inbound } = await requireRequest(request.params.source_id, request.params.request_id);
    const now = deps.clock();
    if (inbound.verdict === 'duplicate') {
      throw ValidationError.single(['path', 'request_id'], `a duplicate is routed through its original; replay ${inbound.duplicateOf ?? 'the original'} instead`);
    }
    if (inbound.verdict === 'rejected') {
      const [current] = await deps.store.getSourceTokens(source.id, now);
      const check = reverify(source, inbound, ingestUrlOf(deps.publicUrl(), current?.token ?? ''));
      if (!check.ok) throw ValidationError.single(['path', 'request_id'], `the request still does not pass: ${check.reason}`);
      // Accepted now, it is routable as it stands (round 0); no extra round is needed.
      await deps.store.acceptRejectedInboundRequest(source.id, inbound.id, check.dedupeKey, now);
    } else {
      await deps.store.requeueInboundRequests(source.id, { ids: [inbound.id] }, now);
    }
    const updated = await deps.store.getInboundRequest(source.id, inbound.id);
    return reply.code(202).send(await detail(source, updated ?? inbound));
  });

  /**
   * Every accepted request of the source in [since, until] is routed again; the answer says how
   * many. With `verdict: "rejected"`, the rejected ones in the range are checked again instead
   * (after a secret fix), and those that pass now are accepted and routed.
   */
  app.post<SourceParams>('/ingest/api/v1/source/:source_id/replay', async (request, reply) => {
    const body = parse(bulkReplayIn, request.body ?? {}, 'body');
    const source = await requireSource(deps, request.params.source_id);
    const since = msOf(body.since ?? undefined);
    const until = msOf(body.until ?? undefined);
    if (since !== undefined && until !== undefined && since > until) throw ValidationError.single(['body', 'until'], 'must not be before since');
    // The store's bounds are exclusive; the body's are inclusive.
    const range = { ...(since !== undefined ? { after: since - 1 } : {}), ...(until !== undefined ? { before: until + 1 } : {}) };
    if (body.verdict === 'rejected') return reply.code(202).send(await reverifyRejected(source, range));
    const replayed = await deps.store.requeueInboundRequests(source.id, { ...(body.verdict ? { verdict: body.verdict } : {}), ...range }, deps.clock());
    return reply.code(202).send({ replayed });
  });

  const reverifyRejected = async (source: InboundSource, range: { after?: number; before?: number }) => {
    const now = deps.clock();
    const [current] = await deps.store.getSourceTokens(source.id, now);
    const ingestUrl = ingestUrlOf(deps.publicUrl(), current?.token ?? '');
    let replayed = 0;
    let stillRejected = 0;
    let iterator: string | null = null;
    // Oldest first, so that of two equal requests the earlier becomes the original and the later its duplicate.
    for (;;) {
      const page = await deps.store.listInboundRequests(source.id, { limit: 250, iterator, order: 'ascending', verdict: 'rejected', ...range });
      for (const rejected of page.data) {
        const check = reverify(source, rejected, ingestUrl);
        if (!check.ok) {
          stillRejected++;
          continue;
        }
        if ((await deps.store.acceptRejectedInboundRequest(source.id, rejected.id, check.dedupeKey, now)) === 'accepted') replayed++;
      }
      if (page.done || page.data.length === 0) break;
      iterator = page.iterator;
    }
    return { replayed, stillRejected };
  };
}
