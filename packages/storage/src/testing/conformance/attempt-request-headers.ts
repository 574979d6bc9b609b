import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { T0, SECOND, LEASE, seed, accept, result, applyResults, type WithStore } from './fixtures.ts';

/** Attempts keep the headers that were sent, for the dashboard; without them the field is absent. */
export function attemptRequestHeadersSuite(withStore: WithStore): void {
  describe('attempt request headers', () => {
    test('an attempt keeps the request headers it was recorded with, and one recorded without has none', withStore(async (store) => {
      const { app, endpoints: [endpoint] } = await seed(store, 1);
      const msg = await accept(store, app.id, [endpoint!.id], T0);
      const headers = { 'webhook-id': msg.id, 'webhook-timestamp': '1700000000', 'webhook-signature': 'v1,abc=', 'x-tenant': 'ünïcode' };
      const [first] = await store.claimDeliveries(1, LEASE, T0);
      const failed = result(first!, { kind: 'retry', nextAttemptAt: T0 + SECOND }, T0);
      await applyResults(store, [{ ...failed, attempt: { ...failed.attempt!, requestHeaders: headers } }], T0);
      const [second] = await store.claimDeliveries(1, LEASE, T0 + SECOND);
      const succeeded = result(second!, { kind: 'success' }, T0 + SECOND);
      await applyResults(store, [succeeded], T0 + SECOND);

      const withHeaders = await store.getAttempt(app.id, msg.id, failed.attempt!.id);
      assert.deepEqual(withHeaders?.requestHeaders, headers);
      const listed = await store.listAttemptsByMessage(app.id, msg.id, { limit: 10, order: 'ascending' });
      assert.deepEqual(listed.data.map((attempt) => attempt.requestHeaders), [headers, undefined]);
      assert.equal('requestHeaders' in (await store.getAttempt(app.id, msg.id, succeeded.attempt!.id))!, false);
    }));
  });
}
