import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEFAULT_RETRY_SCHEDULE_MS,
  MAX_RETRY_AFTER_MS,
  TriggerType,
  judgeAttempt,
  nextRetryDelay,
  parseDuration,
  parseRetryAfter,
  parseRetrySchedule,
} from '@herald/core';

test("the default schedule is Svix's: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after the immediate attempt", () => {
  assert.deepEqual(DEFAULT_RETRY_SCHEDULE_MS, [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000].map((s) => s * 1000));
});

test('schedules parse from text, and malformed parts are named', () => {
  assert.deepEqual(parseRetrySchedule('1s, 2s,4s'), { ok: true, schedule: [1000, 2000, 4000] });
  assert.deepEqual(parseRetrySchedule('500ms,1m,2h,1d'), { ok: true, schedule: [500, 60_000, 7_200_000, 86_400_000] });
  const bad = parseRetrySchedule('1s,soon');
  assert.equal(bad.ok, false);
  assert.match((bad as { reason: string }).reason, /"soon"/);
  assert.equal(parseDuration('-1s'), undefined);
});

test('jitter keeps every retry within ±20% of its scheduled delay', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 1, maxLength: 10 }), fc.nat(), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    (schedule, attemptSeed, random) => {
      const attempt = (attemptSeed % schedule.length) + 1;
      const delay = nextRetryDelay(schedule, attempt, () => random)!;
      const base = schedule[attempt - 1]!;
      assert.ok(delay >= Math.floor(base * 0.8) && delay <= Math.ceil(base * 1.2), `${delay} vs ${base}`);
    }));
});

test('the schedule runs out after its last entry', () => {
  assert.equal(nextRetryDelay([1000, 2000], 3, Math.random), undefined);
});

test('Retry-After lengthens a retry but never shortens it, and is capped', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 10 * MAX_RETRY_AFTER_MS }), (base, retryAfter) => {
    const delay = nextRetryDelay([base], 1, () => 0.5, retryAfter)!;
    assert.ok(delay >= base);
    assert.ok(delay >= Math.min(retryAfter, MAX_RETRY_AFTER_MS));
    assert.ok(delay <= Math.max(base, MAX_RETRY_AFTER_MS));
  }));
  assert.equal(parseRetryAfter('7', 0), 7000);
  assert.equal(parseRetryAfter(new Date(60_000).toUTCString(), 0), 60_000);
  assert.equal(parseRetryAfter('soon', 0), undefined);
});

const policy = { retryScheduleMs: [1000, 2000], failureWindowMs: 5 * 86_400_000, random: () => 0.5 };
const facts = { retryAfterMs: undefined, previousAttempts: 0, triggerType: TriggerType.Scheduled, failingSince: null, now: 1_000_000 };

test('any 2xx succeeds; any other answer or no answer is retried', () => {
  for (const status of [200, 201, 204, 299]) assert.equal(judgeAttempt({ ...facts, statusCode: status }, policy).verdict.kind, 'success');
  for (const status of [undefined, 100, 301, 400, 404, 429, 500, 503]) {
    assert.deepEqual(judgeAttempt({ ...facts, statusCode: status }, policy), { verdict: { kind: 'retry', nextAttemptAt: 1_001_000 }, disable: null });
  }
});

test('410 Gone disables the endpoint and stops retrying', () => {
  assert.deepEqual(judgeAttempt({ ...facts, statusCode: 410 }, policy), { verdict: { kind: 'failed', reason: 'gone' }, disable: 'gone' });
});

test('an endpoint failing for the whole window is disabled', () => {
  const failingSince = facts.now - policy.failureWindowMs;
  assert.equal(judgeAttempt({ ...facts, statusCode: 500, failingSince }, policy).disable, 'failing-too-long');
  assert.equal(judgeAttempt({ ...facts, statusCode: 500, failingSince: failingSince + 1 }, policy).disable, null);
});

test('a manual attempt is one attempt: it is not retried', () => {
  assert.deepEqual(judgeAttempt({ ...facts, statusCode: 500, triggerType: TriggerType.Manual }, policy).verdict, { kind: 'failed', reason: 'manual' });
});

test('after the last scheduled retry the delivery is exhausted', () => {
  assert.deepEqual(judgeAttempt({ ...facts, statusCode: 500, previousAttempts: 2 }, policy).verdict, { kind: 'failed', reason: 'exhausted' });
});
