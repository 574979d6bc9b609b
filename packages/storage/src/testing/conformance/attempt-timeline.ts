import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { T0, SECOND, LEASE, seed, accept, result, applyResults, newApplication, type WithStore } from './fixtures.ts';

const MINUTE = 60 * SECOND;

/** Per-endpoint health over time, for the dashboard's charts. */
export function attemptTimelineSuite(withStore: WithStore): void {
  describe('attempt timeline', () => {
    test('attempts are counted per time bucket by outcome, with average and longest duration, and only for their endpoint', withStore(async (store) => {
      const { app, endpoints: [endpoint, other] } = await seed(store, 2);
      // Minute 0: a failure (500 ms) then a success (100 ms); minute 2: a success (40 ms); minute 5: out of range.
      const plan = [
        { at: T0 + 5 * SECOND, outcome: 'retry', durationMs: 500 },
        { at: T0 + 50 * SECOND, outcome: 'success', durationMs: 100 },
        { at: T0 + 2 * MINUTE + SECOND, outcome: 'success', durationMs: 40 },
        { at: T0 + 5 * MINUTE, outcome: 'success', durationMs: 7 },
      ] as const;
      for (const [index, step] of plan.entries()) {
        if (index !== 1) await accept(store, app.id, [endpoint!.id, other!.id], step.at - 1);
        const claimed = (await store.claimDeliveries(10, LEASE, step.at)).filter((delivery) => delivery.endpoint.id === endpoint!.id);
        const results = claimed.map((delivery) => {
          const made = result(delivery, step.outcome === 'success' ? { kind: 'success' } : { kind: 'retry', nextAttemptAt: step.at + 40 * SECOND }, step.at);
          return { ...made, attempt: { ...made.attempt!, responseDurationMs: step.durationMs } };
        });
        assert.equal(results.length, 1);
        await applyResults(store, results, step.at);
      }

      const timeline = await store.attemptTimeline(app.id, endpoint!.id, { since: T0, until: T0 + 5 * MINUTE, bucketMs: MINUTE });
      assert.deepEqual(timeline, [
        { start: T0, success: 1, fail: 1, averageDurationMs: 300, maxDurationMs: 500 },
        { start: T0 + 2 * MINUTE, success: 1, fail: 0, averageDurationMs: 40, maxDurationMs: 40 },
      ]);
      assert.deepEqual(await store.attemptTimeline(app.id, other!.id, { since: T0, until: T0 + 10 * MINUTE, bucketMs: MINUTE }), []);
      const stranger = await store.createApplication(newApplication(), T0);
      assert.deepEqual(await store.attemptTimeline(stranger.id, endpoint!.id, { since: T0, until: T0 + 10 * MINUTE, bucketMs: MINUTE }), []);
    }));
  });
}
