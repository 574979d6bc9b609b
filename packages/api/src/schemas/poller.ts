import { z } from 'zod';
import type { Message, PollingEndpoint } from '@herald/core';
import { channel, eventTypeName, iso, uid } from './common.ts';
import { messageOut } from './message.ts';

/** Herald's polling endpoint resource (issue 18); Svix manages its pollers in its dashboard only. */
export const pollerIn = z.object({
  uid: uid.nullish(),
  filterTypes: z.array(eventTypeName).min(1).max(250).nullish(),
  channels: z.array(channel).min(1).max(10).nullish(),
  description: z.string().max(1_000).default(''),
});

export const pollerPatch = z.object({
  uid: uid.nullish(),
  filterTypes: z.array(eventTypeName).min(1).max(250).nullish(),
  channels: z.array(channel).min(1).max(10).nullish(),
  description: z.string().max(1_000).optional(),
});

export function pollerOut(poller: PollingEndpoint) {
  return {
    id: poller.id,
    uid: poller.uid,
    filterTypes: poller.filterTypes,
    channels: poller.channels,
    description: poller.description,
    createdAt: iso(poller.createdAt),
    updatedAt: iso(poller.updatedAt),
  };
}

/** `wait` (Herald extension): how long a poll may hold the request for a first message, "30s", "500ms" or seconds. */
export const MAX_WAIT_MS = 60_000;
const waitMs = z.string().regex(/^\d{1,6}(ms|s)?$/, 'must be a duration up to 60s, like "30s" or "500ms"')
  .transform((text) => (text.endsWith('ms') ? Number(text.slice(0, -2)) : Number(text.replace(/s$/, '')) * 1000))
  .refine((ms) => ms <= MAX_WAIT_MS, 'must be at most 60s');

const limit = z.coerce.number().int().min(1).max(250).default(50);
const iterator = z.string().max(200).optional();

/** Svix's MessagePollerPollOptions, plus `wait`. */
export const pollQuery = z.object({
  limit,
  iterator,
  event_type: eventTypeName.optional(),
  channel: channel.optional(),
  after: z.iso.datetime({ offset: true }).optional(),
  wait: waitMs.optional(),
});

export const consumerPollQuery = z.object({ limit, iterator, wait: waitMs.optional() });

export const streamQuery = z.object({
  iterator,
  event_type: eventTypeName.optional(),
  channel: channel.optional(),
  after: z.iso.datetime({ offset: true }).optional(),
  /** Seconds between heartbeats; mostly for tests and unusually impatient proxies. */
  heartbeat: z.coerce.number().int().min(1).max(300).default(15),
});

/** A consumer's name: what Svix allows in a path id. */
export const consumerId = uid;

export const seekIn = z.object({ after: z.iso.datetime({ offset: true }) });

/** Svix's PollingEndpointMessageOut. */
export function pollingMessageOut(message: Message) {
  return { ...messageOut(message), ...(message.headers ? { headers: message.headers } : {}) };
}
