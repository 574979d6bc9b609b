import { z } from 'zod';
import type { Attempt } from '@herald/core';
import type { InboundRequest, InboundSource, RouteOutcome } from '@herald/storage';
import { booleanQuery, iso, listQuery } from '../../schemas/common.ts';
import { SENSITIVE_HEADERS } from '../../schemas/endpoint.ts';
import { attemptOut } from '../../schemas/message.ts';

const VERDICTS = ['accepted', 'rejected', 'duplicate'] as const;
const time = z.iso.datetime({ offset: true });

/** The API's list query (limit, iterator, order), plus the log's own filters. */
export const requestListQuery = listQuery.extend({
  /** Svix's name, as on the message list: false leaves the bodies out (a page of 250 could be 250 MiB). */
  with_content: booleanQuery.default(true),
  verdict: z.enum(VERDICTS).optional(),
  before: time.optional(),
  after: time.optional(),
});

/** Bulk replay: accepted requests of the source received in [since, until] (inclusive), or with verdict "rejected" the rejected ones checked again. */
export const bulkReplayIn = z.object({
  verdict: z.enum(VERDICTS).nullish(),
  since: time.nullish(),
  until: time.nullish(),
});

const HIDDEN = '(hidden)';
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The credentials a request may carry (Authorization for basic-auth sources, the api-key source's
 * header or query parameter) are shown as "(hidden)": the request log is for debugging routing,
 * and the source's secrets are never shown through the API.
 */
function secretNames(source: InboundSource): { headers: Set<string>; query: string | null } {
  const names = new Set(SENSITIVE_HEADERS);
  let query: string | null = null;
  if (source.type === 'api-key') {
    const config = source.config as { header?: unknown; query?: unknown };
    if (typeof config.header === 'string') names.add(config.header.toLowerCase());
    if (typeof config.query === 'string') query = config.query;
  }
  return { headers: names, query };
}

function hideQuery(query: string, name: string | null): string {
  if (name === null || query === '') return query;
  const params = new URLSearchParams(query);
  if (!params.has(name)) return query;
  params.set(name, HIDDEN);
  return params.toString();
}

/** The body as text when it is UTF-8, else as base64 (binary or mis-encoded bodies are shown, not mangled). */
function bodyOut(body: Buffer | null): { body: string | null; bodyBase64?: string } {
  if (body === null) return { body: null };
  try {
    return { body: strictUtf8.decode(body) };
  } catch {
    return { body: null, bodyBase64: body.toString('base64') };
  }
}

export function inboundRequestOut(request: InboundRequest, source: InboundSource, withContent = true) {
  const secrets = secretNames(source);
  return {
    id: request.id,
    sourceId: request.sourceId,
    receivedAt: iso(request.receivedAt),
    method: request.method,
    path: request.path,
    query: hideQuery(request.query, secrets.query),
    headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) =>
      [name, secrets.headers.has(name.toLowerCase()) ? HIDDEN : value])),
    ...(withContent ? bodyOut(request.body) : { body: null }),
    sourceIp: request.sourceIp,
    verdict: request.verdict,
    rejectReason: request.rejectReason,
    dedupeKey: request.dedupeKey,
    duplicateOf: request.duplicateOf,
    duplicates: request.duplicates,
    eventType: request.eventType,
    // Herald's routing state: a replay adds one to routingRound; routedRound catches up once routed.
    routingRound: request.routingRound,
    routedRound: request.routedRound,
  };
}

export function routeOutcomeOut(outcome: RouteOutcome, attempts: Attempt[]) {
  return {
    endpointId: outcome.endpointId,
    outcome: outcome.outcome,
    reason: outcome.reason,
    msgId: outcome.msgId,
    round: outcome.round,
    createdAt: iso(outcome.createdAt),
    attempts: attempts.map(attemptOut),
  };
}
