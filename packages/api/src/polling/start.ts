import type { PollingEndpoint } from '@herald/core';
import type { PollPosition, Store } from '@herald/storage';
import { msOf } from '../schemas/common.ts';
import { requirePosition } from './iterator.ts';

/**
 * Each polling endpoint's first position, found once: finding it scans the application's log
 * from its start, and a position once below the log's horizon stays a valid start (no message can
 * appear before it). Bounded; dropped whole when full, as it is only a shortcut.
 */
const starts = new Map<string, PollPosition>();
const MAX_STARTS_KEPT = 10_000;

/**
 * Where a read without a consumer begins: the iterator given, else the given time, else the
 * polling endpoint's creation (it holds nothing older, and starting there spares scanning the
 * application's earlier log on every read).
 */
export async function startOf(store: Store, poller: PollingEndpoint, given: { iterator?: string; after?: string }): Promise<PollPosition> {
  if (given.iterator !== undefined) return requirePosition(given.iterator, 'query', 'iterator');
  const after = msOf(given.after);
  if (after !== undefined && after > poller.createdAt) return store.messageLogPositionAt(poller.appId, after);
  const key = `${poller.id}:${poller.createdAt}`;
  let start = starts.get(key);
  if (!start) {
    start = await store.messageLogPositionAt(poller.appId, poller.createdAt);
    if (starts.size >= MAX_STARTS_KEPT) starts.clear();
    starts.set(key, start);
  }
  return start;
}
