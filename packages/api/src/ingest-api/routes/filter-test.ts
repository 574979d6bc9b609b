import type { FastifyInstance } from 'fastify';
import { matchRequest, parseInboundBody, type FilterableRequest } from '@herald/core';
import type { InboundRequest } from '@herald/storage';
import type { ApiDeps } from '../../deps.ts';
import { iso } from '../../schemas/common.ts';
import { parse } from '../../validation.ts';
import { requireSource } from '../require.ts';
import { checkedFilter, filterTestIn, sourceFilterTestIn, verdictOut } from '../schemas/filter-test.ts';

type SourceParams = { Params: { source_id: string } };

/** A query string as filters see it: a repeated name becomes a list (as the router reads it). */
export function queryObject(query: string): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(query)) {
    const previous = result[name];
    if (previous === undefined) result[name] = value;
    else result[name] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return result;
}

/** A stored request as the router's filter evaluation sees it. */
export function filterableOf(request: InboundRequest): FilterableRequest {
  return {
    body: request.body === null ? null : parseInboundBody(request.headers['content-type'], request.body),
    headers: request.headers,
    query: queryObject(request.query),
    path: request.path,
  };
}

/**
 * Filter tests (Herald extension): what a filter makes of one request given in the body, or of a
 * source's most recent requests, so a filter can be tried before an endpoint is saved with it.
 */
export function registerFilterTestRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post('/ingest/api/v1/filter/test', async (request) => {
    const body = parse(filterTestIn, request.body, 'body');
    const filter = checkedFilter(body.filter);
    const headers = Object.fromEntries(Object.entries(body.request.headers).map(([name, value]) => [name.toLowerCase(), value]));
    return verdictOut(matchRequest(filter, { body: body.request.body ?? null, headers, query: body.request.query, path: body.request.path }));
  });

  app.post<SourceParams>('/ingest/api/v1/source/:source_id/filter/test', async (request) => {
    const body = parse(sourceFilterTestIn, request.body, 'body');
    const filter = checkedFilter(body.filter);
    const source = await requireSource(deps, request.params.source_id);
    const page = await deps.store.listInboundRequests(source.id, { limit: body.limit, order: 'descending' });
    return {
      data: page.data.map((item) => ({
        requestId: item.id,
        receivedAt: iso(item.receivedAt),
        verdict: item.verdict,
        eventType: item.eventType,
        ...verdictOut(matchRequest(filter, filterableOf(item))),
      })),
    };
  });
}
