import { RELAY_PATH_PREFIX, generateSecret, newId, type Application, type Endpoint } from '@herald/core';
import type { Store } from '@herald/storage';

/**
 * The temporary endpoints of `herald listen` sessions. Each carries its expiry in its metadata,
 * renewed while its session lives, so that one left behind by a crash is swept away later.
 */
export const LISTEN_EXPIRY_KEY = 'herald.listen.expiresAt';
export const LISTEN_LEASE_MS = 30 * 60_000;

export async function createListenEndpoint(
  store: Store,
  application: Application,
  relayOrigin: string,
  sessionId: string,
  eventTypes: string[] | null,
  now: number,
  forwardHeaders: string[] | null = null,
): Promise<{ endpoint: Endpoint; secret: string }> {
  const secret = generateSecret();
  const endpoint = await store.createEndpoint({
    id: newId('ep'),
    appId: application.id,
    uid: null,
    url: `${relayOrigin}${RELAY_PATH_PREFIX}${sessionId}`,
    description: 'herald listen (temporary: deleted when the session ends)',
    disabled: false,
    eventTypes,
    channels: null,
    headers: {},
    throttleRate: null,
    metadata: { [LISTEN_EXPIRY_KEY]: new Date(now + LISTEN_LEASE_MS).toISOString() },
    version: 1,
    secret,
    forwardHeaders,
  }, now);
  return { endpoint, secret };
}

export async function renewListenEndpoint(store: Store, endpoint: Endpoint, now: number): Promise<void> {
  await store.updateEndpoint(endpoint.appId, endpoint.id, {
    metadata: { ...endpoint.metadata, [LISTEN_EXPIRY_KEY]: new Date(now + LISTEN_LEASE_MS).toISOString() },
  }, now);
}

/** Deletes every listen endpoint whose lease ran out; returns how many. Walks all applications. */
export async function sweepExpiredListenEndpoints(store: Store, now: number): Promise<number> {
  let removed = 0;
  let appIterator: string | null = null;
  do {
    const apps = await store.listApplications({ limit: 250, iterator: appIterator });
    for (const application of apps.data) {
      for (const endpoint of await store.allEndpoints(application.id)) {
        const expiresAt = endpoint.metadata[LISTEN_EXPIRY_KEY];
        if (expiresAt !== undefined && Date.parse(expiresAt) <= now && (await store.deleteEndpoint(application.id, endpoint.id))) removed++;
      }
    }
    appIterator = apps.done ? null : apps.iterator;
  } while (appIterator);
  return removed;
}
