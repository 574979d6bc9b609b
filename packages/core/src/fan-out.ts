import { isSubscribed, type Subscription } from './filter.ts';
import { matchRequest } from './filter/match.ts';
import type { RequestFilter } from './filter/types.ts';
import { isPlainObject } from './filter/values.ts';

/**
 * Outbound content filters (issue 13 §2) and the fan-out that applies them.
 *
 * Storage: an endpoint has ONE `filter` column, read by two parties. The inbound router reads it as
 * a request filter `{ body?, headers?, query?, path? }` (ingest endpoints); the outbound fan-out
 * reads the same shape, with the message's payload as the body. So an outbound endpoint's payload
 * filter `F` is stored as `{ body: F }`, and nothing else is needed to tell the two apart: an ingest
 * endpoint's routed message carries the request body as its payload, so either reading of `{ body: F }`
 * asks the same question of the same bytes. The rejected alternative, storing `F` bare with a
 * discriminator column, would let an ingest endpoint of a backing application be read as a payload
 * filter (its `headers` section taken for a payload field) the day someone sent it a message by API.
 */

/** The stored form of a payload filter given on the wire; null clears it. */
export function storedPayloadFilter(payloadFilter: unknown | null): RequestFilter | null {
  return payloadFilter === null || payloadFilter === undefined ? null : { body: payloadFilter };
}

/**
 * A stored filter with its body section set to a new payload filter (null removes it). The other
 * sections stay: the Svix endpoint routes see and edit only the body, so saving an ingest endpoint
 * through them (the dashboard's endpoint form does) must not drop its headers, query or path filter.
 */
export function withPayloadFilter(stored: unknown | null | undefined, payloadFilter: unknown | null): RequestFilter | null {
  const kept: RequestFilter = isPlainObject(stored) ? { ...stored } : {};
  delete kept.body;
  if (payloadFilter !== null && payloadFilter !== undefined) kept.body = payloadFilter;
  return Object.keys(kept).length === 0 ? null : kept;
}

/** The payload filter the Svix endpoint routes show: the body section of what is stored. */
export function payloadFilterOf(stored: unknown | null | undefined): unknown | null {
  if (!isPlainObject(stored)) return null;
  return stored.body ?? null;
}

export interface FanOutEndpoint extends Subscription {
  id: string;
  filter?: unknown | null;
}

export interface FanOutMessage {
  eventType: string;
  channels: readonly string[] | null;
  /** The payload's JSON text, as stored and sent. */
  payload: string;
  headers?: Record<string, string> | null;
}

const UNPARSEABLE = Symbol('unparseable payload');

/**
 * The endpoints a new message goes to: subscribed (enabled, verified, event type, channel) and, when
 * the endpoint has a filter, matched by it. The payload is parsed once per message, and only if some
 * subscribed endpoint has a filter: most applications have none, and parsing a 1 MiB payload for
 * nothing would cost every message. A payload that does not parse as JSON matches no filter with a
 * body condition; a missing field is no match (the evaluator's rule), never a throw.
 */
export function chooseEndpoints<E extends FanOutEndpoint>(endpoints: readonly E[], message: FanOutMessage): E[] {
  const payload = lazyPayload(message);
  return endpoints.filter((endpoint) => isSubscribed(endpoint, message.eventType, message.channels) && filterVerdict(endpoint, message, payload).match);
}

export type FanOutOutcome = 'matched' | 'not_subscribed' | 'filtered';
export interface FanOutVerdict { endpointId: string; outcome: FanOutOutcome; reason: string | null }

/**
 * Why each endpoint of an application would or would not get this message, judged by its current
 * subscription and filter (for the dashboard's "matched or skipped" view; the deliveries themselves
 * were fixed when the message was accepted, so a filter changed since may disagree with them).
 */
export function explainFanOut(endpoints: readonly FanOutEndpoint[], message: FanOutMessage): FanOutVerdict[] {
  const payload = lazyPayload(message);
  return endpoints.map((endpoint) => {
    if (!isSubscribed(endpoint, message.eventType, message.channels)) return { endpointId: endpoint.id, outcome: 'not_subscribed', reason: null };
    const verdict = filterVerdict(endpoint, message, payload);
    return verdict.match
      ? { endpointId: endpoint.id, outcome: 'matched', reason: null }
      : { endpointId: endpoint.id, outcome: 'filtered', reason: verdict.reason };
  });
}

function lazyPayload(message: FanOutMessage): () => unknown {
  let parsed: unknown = undefined;
  let parsedYet = false;
  return () => {
    if (!parsedYet) {
      parsedYet = true;
      try {
        parsed = JSON.parse(message.payload);
      } catch {
        parsed = UNPARSEABLE;
      }
    }
    return parsed;
  };
}

function filterVerdict(endpoint: FanOutEndpoint, message: FanOutMessage, payload: () => unknown): { match: true } | { match: false; reason: string } {
  const filter = endpoint.filter;
  if (filter === null || filter === undefined) return { match: true };
  const body = payload();
  if (body === UNPARSEABLE && hasBodyCondition(filter)) return { match: false, reason: 'body: the payload is not JSON' };
  const verdict = matchRequest(filter as RequestFilter, subject(body === UNPARSEABLE ? undefined : body, message));
  return verdict.match ? verdict : { match: false, reason: verdict.reason };
}

/** A message seen as a request: its payload is the body; it has no query or path of its own. */
function subject(body: unknown, message: FanOutMessage) {
  return { body, headers: message.headers ?? {}, query: {}, path: '' };
}

function hasBodyCondition(filter: unknown): boolean {
  if (!isPlainObject(filter)) return true;
  const body = filter.body;
  return body !== undefined && body !== null && !(isPlainObject(body) && Object.keys(body).length === 0);
}
