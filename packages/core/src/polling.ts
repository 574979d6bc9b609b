import type { Message } from './domain.ts';

/**
 * A polling endpoint (issue 18; Svix's "sink" of kind poller): an endpoint of an application that
 * nothing is pushed to. Its consumers read the application's messages that match it, in commit
 * order, from the moment it was created.
 */
export interface PollingEndpoint {
  id: string;
  appId: string;
  uid: string | null;
  /** Event types it holds; null or empty: every type. */
  filterTypes: string[] | null;
  /** Channels it holds (a message needs one of them); null or empty: every message. */
  channels: string[] | null;
  description: string;
  /** SHA-256 (hex) of the read-only token made with it; the token itself is shown once. */
  tokenSha256: string;
  createdAt: number;
  updatedAt: number;
}

/** A narrowing a reader adds to the endpoint's own filters (Svix's poll `event_type`, `channel`, `after`). */
export interface PollNarrowing {
  eventType?: string;
  channel?: string;
  /** Only messages created at or after this time (ms). */
  since?: number;
}

/** Whether the polling endpoint holds the message, and the reader asked for it. */
export function pollerHolds(poller: PollingEndpoint, message: Message, narrowing: PollNarrowing = {}): boolean {
  if (message.appId !== poller.appId || message.createdAt < poller.createdAt) return false;
  if (poller.filterTypes && poller.filterTypes.length > 0 && !poller.filterTypes.includes(message.eventType)) return false;
  if (poller.channels && poller.channels.length > 0 && !poller.channels.some((c) => message.channels?.includes(c))) return false;
  if (narrowing.eventType !== undefined && message.eventType !== narrowing.eventType) return false;
  if (narrowing.channel !== undefined && !(message.channels ?? []).includes(narrowing.channel)) return false;
  if (narrowing.since !== undefined && message.createdAt < narrowing.since) return false;
  return true;
}
