import type { PollingEndpoint } from '@herald/core';
import type { PollPosition, Store } from '@herald/storage';
import { msOf } from '../schemas/common.ts';
import { requirePosition } from './iterator.ts';

/**
 * Where a read without a consumer begins: the iterator given, else the given time, else the
 * polling endpoint's creation (it holds nothing older, and starting there spares scanning the
 * application's earlier log).
 */
export async function startOf(store: Store, poller: PollingEndpoint, given: { iterator?: string; after?: string }): Promise<PollPosition> {
  if (given.iterator !== undefined) return requirePosition(given.iterator, 'query', 'iterator');
  return store.messageLogPositionAt(poller.appId, Math.max(poller.createdAt, msOf(given.after) ?? 0));
}
