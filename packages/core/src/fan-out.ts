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
  let parsed: unknown = undefined;
  let parsedYet = false;
  const payload = (): unknown => {
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
  return endpoints.filter((endpoint) => {
    if (!isSubscribed(endpoint, message.eventType, message.channels)) return false;
    const filter = endpoint.filter;
    if (filter === null || filter === undefined) return true;
    const body = payload();
    if (body === UNPARSEABLE) return !hasBodyCondition(filter) && matchRequest(filter as RequestFilter, subject(undefined, message)).match;
    return matchRequest(filter as RequestFilter, subject(body, message)).match;
  });
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
