import { z } from 'zod';
import { MESSAGE_STATUS_TEXT, type Attempt, type Message, type MessageStatus } from '@herald/core';
import { applicationIn } from './application.ts';
import { channel, eventTypeName, iso, tag, uid } from './common.ts';
import { SENSITIVE_HEADERS } from './endpoint.ts';

export const messageIn = z.object({
  eventType: eventTypeName,
  eventId: uid.nullish(),
  payload: z.record(z.string(), z.unknown()),
  channels: z.array(channel).max(5).nullish(),
  application: applicationIn.nullish(),
  payloadRetentionPeriod: z.number().int().min(5).max(90).nullish(),
  tags: z.array(tag).max(5).nullish(),
});

/**
 * A message's payload as a JSON value. A routed inbound request keeps the provider's body as it
 * came, which need not be JSON (a form post, plain text, nothing): that is shown as its text, a
 * JSON string, rather than failing the whole listing.
 */
function payloadValue(payload: string): unknown {
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    return payload;
  }
}

export function messageOut(message: Message, withContent = true) {
  return {
    id: message.id,
    eventType: message.eventType,
    eventId: message.eventId,
    channels: message.channels,
    tags: message.tags,
    payload: withContent ? payloadValue(message.payload) : {},
    timestamp: iso(message.createdAt),
  };
}

export function endpointMessageOut(message: Message, status: MessageStatus, nextAttemptAt: number | null, withContent = true) {
  return {
    ...messageOut(message, withContent),
    status,
    statusText: MESSAGE_STATUS_TEXT[status],
    nextAttempt: nextAttemptAt === null ? null : iso(nextAttemptAt),
  };
}

export function attemptOut(attempt: Attempt) {
  return {
    id: attempt.id,
    msgId: attempt.msgId,
    endpointId: attempt.endpointId,
    url: attempt.url,
    response: attempt.response,
    responseStatusCode: attempt.responseStatusCode,
    responseDurationMs: attempt.responseDurationMs,
    status: attempt.status,
    statusText: MESSAGE_STATUS_TEXT[attempt.status],
    triggerType: attempt.triggerType,
    timestamp: iso(attempt.createdAt),
    // Herald extension (not in Svix's schema): what was sent, for the dashboard's attempt view.
    requestHeaders: attempt.requestHeaders ? withoutSecrets(attempt.requestHeaders) : null,
  };
}

/** Credentials among an endpoint's custom headers stay unreadable here, as they do on GET .../headers. */
function withoutSecrets(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) =>
    [name, SENSITIVE_HEADERS.has(name.toLowerCase()) ? '(hidden)' : value]));
}
