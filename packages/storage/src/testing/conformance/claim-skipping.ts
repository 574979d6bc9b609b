import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { T0, LEASE, seed, accept, type WithStore } from './fixtures.ts';

export function claimSkippingSuite(withStore: WithStore): void {
  describe('claiming around saturated endpoints', () => {
    test('deliveries to skipped endpoints stay queued while others behind them are claimed', withStore(async (store) => {
      const { app, endpoints: [slow, healthy, other] } = await seed(store, 3);
      // The slow endpoint's backlog is older than everything else, so an unfiltered claim would take only it.
      for (let i = 0; i < 5; i++) await accept(store, app.id, [slow!.id], T0);
      const forHealthy = await accept(store, app.id, [healthy!.id, other!.id], T0 + 1);
      const claimed = await store.claimDeliveries(3, LEASE, T0 + 2, [slow!.id]);
      assert.deepEqual(claimed.map((c) => c.endpoint.id).sort(), [healthy!.id, other!.id].sort());
      assert.ok(claimed.every((c) => c.message.id === forHealthy.id));
      assert.deepEqual(await store.claimDeliveries(10, LEASE, T0 + 2, [slow!.id, healthy!.id]), []);
      const rest = await store.claimDeliveries(10, LEASE, T0 + 2, []);
      assert.equal(rest.length, 5, 'skipped deliveries were left due, not leased');
      assert.ok(rest.every((c) => c.endpoint.id === slow!.id));
    }));
  });
}
