import { nextRetryDelay } from './retry-schedule.ts';
import { TriggerType } from './domain.ts';

export type AttemptVerdict =
  | { kind: 'success' }
  | { kind: 'retry'; nextAttemptAt: number }
  | { kind: 'failed'; reason: 'exhausted' | 'manual' | 'gone' | 'disabled' };

export type DisableReason = 'gone' | 'failing-too-long';

export interface AttemptFacts {
  /** HTTP status, or undefined when no response came back (network error, refused address, timeout). */
  statusCode: number | undefined;
  /** Milliseconds the receiver asked to wait (Retry-After on 429/503), if any. */
  retryAfterMs: number | undefined;
  /** Attempts made before this one. */
  previousAttempts: number;
  triggerType: TriggerType;
  /** When the endpoint's current run of failures began, or null if it was healthy. */
  failingSince: number | null;
  now: number;
}

export interface DeliveryPolicy {
  retryScheduleMs: readonly number[];
  /** An endpoint failing without a single success for this long is disabled. */
  failureWindowMs: number;
  random: () => number;
}

/**
 * What happens after an attempt: Svix's rules. Any 2xx succeeds; anything else is retried on the
 * schedule, except 410 Gone (the receiver says the endpoint is gone: disable it) and manual attempts
 * (a resend is one attempt, not a new retry series).
 */
export function judgeAttempt(facts: AttemptFacts, policy: DeliveryPolicy): { verdict: AttemptVerdict; disable: DisableReason | null } {
  const { statusCode, now } = facts;
  if (statusCode !== undefined && statusCode >= 200 && statusCode < 300) {
    return { verdict: { kind: 'success' }, disable: null };
  }
  if (statusCode === 410) return { verdict: { kind: 'failed', reason: 'gone' }, disable: 'gone' };
  const failingFor = now - (facts.failingSince ?? now);
  const disable: DisableReason | null = failingFor >= policy.failureWindowMs ? 'failing-too-long' : null;
  if (disable) return { verdict: { kind: 'failed', reason: 'disabled' }, disable };
  if (facts.triggerType === TriggerType.Manual) return { verdict: { kind: 'failed', reason: 'manual' }, disable: null };
  const retryAfter = statusCode === 429 || statusCode === 503 ? facts.retryAfterMs : undefined;
  const delay = nextRetryDelay(policy.retryScheduleMs, facts.previousAttempts + 1, policy.random, retryAfter);
  if (delay === undefined) return { verdict: { kind: 'failed', reason: 'exhausted' }, disable: null };
  return { verdict: { kind: 'retry', nextAttemptAt: now + delay }, disable: null };
}
