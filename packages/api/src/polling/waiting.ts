import { RateLimitedError, type PollNarrowing, type PollingEndpoint } from '@herald/core';
import type { PollPosition, Store } from '@herald/storage';
import type { CommitSignal } from './commit-signal.ts';
import { readPoller, type PollResult } from './reader.ts';

/** Most requests one token may hold open waiting (long polls and streams together). */
export const MAX_WAITING_PER_TOKEN = 20;
/** Re-read this often without a wake: a wake lost (a reconnecting LISTEN) only delays a message this long. */
const RECHECK_MS = 1_000;
/**
 * After a wake that found nothing new, re-read this soon: in PostgreSQL a commit becomes readable
 * only once older transactions end (see the log's horizon), and those may not wake anyone.
 */
const SOON_MS = 20;
const SOON_FOR_MS = 500;

/** Counts each token's waiting requests, refusing one past the cap with a 429. */
export class WaitingBudget {
  private readonly waiting = new Map<string, number>();

  constructor(private readonly perToken = MAX_WAITING_PER_TOKEN) {}

  /** Takes a place for `scope`; call the returned function exactly once to give it back. */
  take(scope: string): () => void {
    const count = this.waiting.get(scope) ?? 0;
    if (count >= this.perToken) throw new RateLimitedError(1);
    this.waiting.set(scope, count + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = (this.waiting.get(scope) ?? 1) - 1;
      if (left === 0) this.waiting.delete(scope);
      else this.waiting.set(scope, left);
    };
  }
}

export interface WaitingRead {
  store: Store;
  signal: CommitSignal;
  poller: PollingEndpoint;
  from: PollPosition;
  limit: number;
  narrowing: PollNarrowing;
  /** Hold the request at most this long for a first message; 0 answers at once. */
  waitMs: number;
  /** Ends the wait early (the client went away). */
  abort: AbortSignal;
}

/** readPoller that, when nothing is there yet, waits for a commit up to `waitMs` (long polling). */
export async function readWaiting(read: WaitingRead): Promise<PollResult> {
  const deadline = Date.now() + read.waitMs;
  let position = read.from;
  let soonUntil = 0;
  for (;;) {
    const result = await readPoller(read.store, read.poller, position, read.limit, read.narrowing);
    const left = deadline - Date.now();
    if (result.messages.length > 0 || left <= 0 || read.abort.aborted) return result;
    position = result.position;
    soonUntil = await nextWake(read.signal, left, soonUntil, read.abort);
  }
}

/**
 * Waits for a commit, at most `left` ms, then returns until when re-reads should come soon. Shared
 * by long polls and live streams.
 */
export async function nextWake(signal: CommitSignal, left: number, soonUntil: number, abort: AbortSignal): Promise<number> {
  const woken = await signal.wait(Math.min(left, Date.now() < soonUntil ? SOON_MS : RECHECK_MS), abort);
  return woken ? Date.now() + SOON_FOR_MS : soonUntil;
}
