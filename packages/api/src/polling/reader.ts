import { pollerHolds, type Message, type PollNarrowing, type PollingEndpoint } from '@herald/core';
import type { PollPosition, Store } from '@herald/storage';

export interface PollResult {
  messages: Array<{ message: Message; position: PollPosition }>;
  /** Where the next read continues. */
  position: PollPosition;
  /** Nothing more is readable now. */
  done: boolean;
}

/** Log rows read per query; the filters run here, so sparse matches cost several. */
const CHUNK = 500;
/** Most log rows one poll looks at, so that a narrow filter over a long backlog still answers promptly. */
const MAX_SCANNED = 20_000;

/**
 * Reads up to `limit` of the polling endpoint's messages after `from`. The log is the whole
 * application's; the endpoint's filters (and the reader's narrowing) are applied to it here, the
 * same for every adapter. The position returned is that of the last message given, or, when fewer
 * than `limit` matched, of the last row looked at: a consumer never looks at a skipped row twice.
 */
export async function readPoller(store: Store, poller: PollingEndpoint, from: PollPosition, limit: number, narrowing: PollNarrowing): Promise<PollResult> {
  const messages: PollResult['messages'] = [];
  let position = from;
  let scanned = 0;
  for (;;) {
    const rows = await store.readMessageLog(poller.appId, position, CHUNK);
    for (const row of rows) {
      position = row.position;
      if (!pollerHolds(poller, row.message, narrowing)) continue;
      messages.push(row);
      if (messages.length === limit) return { messages, position, done: false };
    }
    scanned += rows.length;
    if (rows.length < CHUNK) return { messages, position, done: true };
    if (scanned >= MAX_SCANNED) return { messages, position, done: false };
  }
}
