import type { Message } from './domain.ts';
import { newId } from './ids.ts';

export interface MessageInput {
  appId: string;
  eventType: string;
  /** The JSON text of the payload, exactly as it will be signed and sent. */
  payload: string;
  eventId?: string | null;
  channels?: string[] | null;
  tags?: string[] | null;
}

/**
 * A message as it is accepted, whichever way it arrives (the API, send-example, the outbox,
 * operational events): its id sorts by `now`, and an empty channel list means no channels.
 */
export function newMessage(input: MessageInput, now: number): Message {
  return {
    id: newId('msg', now),
    appId: input.appId,
    eventType: input.eventType,
    eventId: input.eventId ?? null,
    channels: input.channels && input.channels.length > 0 ? input.channels : null,
    tags: input.tags && input.tags.length > 0 ? [...new Set(input.tags)] : null,
    payload: input.payload,
    createdAt: now,
  };
}
