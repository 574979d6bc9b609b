import { isVerifiedOrExempt, type EndpointVerification } from './endpoint-verification.ts';

/** Which endpoints a message goes to: Svix semantics for event type filters and channels. */
export interface Subscription {
  disabled: boolean;
  /** null or empty: every event type. */
  eventTypes: readonly string[] | null;
  /** null or empty: every message; otherwise the message must carry one of these channels. */
  channels: readonly string[] | null;
  /** An endpoint awaiting its verification challenge gets nothing. */
  verification?: EndpointVerification | null;
}

export function isSubscribed(subscription: Subscription, eventType: string, channels: readonly string[] | null): boolean {
  if (subscription.disabled || !isVerifiedOrExempt(subscription)) return false;
  const types = subscription.eventTypes;
  if (types && types.length > 0 && !types.includes(eventType)) return false;
  const wanted = subscription.channels;
  if (wanted && wanted.length > 0) {
    if (!channels || !channels.some((channel) => wanted.includes(channel))) return false;
  }
  return true;
}
