import { InvalidPayloadError } from './errors.ts';
import type { VerifiedWebhook } from './verify.ts';

/** Event type name -> payload shape, e.g. `{ 'order.paid': { type: 'order.paid'; orderId: string } }`. */
export type EventMap = Record<string, unknown>;

/**
 * One delivery, discriminated by `type`. The type is the payload's `type` field (the Standard
 * Webhooks payload convention, and Svix's); a payload without one gets `type: ''`.
 */
export type WebhookEvent<Events extends EventMap = EventMap> = {
  [Type in keyof Events & string]: {
    /** `webhook-id`: the same on every retry of one message, so it is the key to de-duplicate on. */
    id: string;
    timestamp: Date;
    type: Type;
    payload: Events[Type];
  };
}[keyof Events & string];

/**
 * Parses a verified body. The shape is trusted, not checked: the signature proves who sent it,
 * and a receiver wanting more can validate `payload` with its own schema.
 */
export function parseEvent<Events extends EventMap = EventMap>(verified: VerifiedWebhook): WebhookEvent<Events> {
  let payload: unknown;
  try {
    payload = JSON.parse(verified.body);
  } catch {
    throw new InvalidPayloadError('the body is not JSON');
  }
  const type = typeof payload === 'object' && payload !== null && typeof (payload as { type?: unknown }).type === 'string'
    ? (payload as { type: string }).type
    : '';
  return { id: verified.id, timestamp: new Date(verified.timestamp * 1000), type, payload } as WebhookEvent<Events>;
}
