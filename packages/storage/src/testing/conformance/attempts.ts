import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageStatus, type Attempt } from '@herald/core';
import type { Store } from '../../store.ts';
import { T0, SECOND, LEASE, byteOrder, newApplication, seed, accept, result, applyResults, walkPages, type WithStore } from './fixtures.ts';

export function attemptsSuite(withStore: WithStore): void {
  describe('attempts', () => {
    test('attempts list by endpoint and by message, and filter by status, status code class and endpoint', withStore(async (store) => {
      const { app, endpoints: [endpoint, other] } = await seed(store, 2);
      const msg = await accept(store, app.id, [endpoint!.id, other!.id], T0);
      const attempts: Attempt[] = [];
      let at = T0;
      for (const outcome of ['retry', 'retry', 'success'] as const) {
        const claimed = await store.claimDeliveries(10, LEASE, at);
        at += SECOND;
        const results = claimed.map((c) => result(c, outcome === 'success' ? { kind: 'success' } : { kind: 'retry', nextAttemptAt: at }, at));
        await applyResults(store, results, at);
        attempts.push(...results.map((r) => r.attempt!));
      }
      const mine = attempts.filter((a) => a.endpointId === endpoint!.id);
      const byEndpoint = await store.listAttemptsByEndpoint(app.id, endpoint!.id, { limit: 10, order: 'descending' });
      assert.deepEqual(byEndpoint.data.map((a) => a.id), byteOrder(mine.map((a) => a.id)).reverse());
      const byMessage = await store.listAttemptsByMessage(app.id, msg.id, { limit: 10, order: 'descending' });
      assert.deepEqual(byMessage.data.map((a) => a.id), byteOrder(attempts.map((a) => a.id)).reverse());
      const ids = async (filter: Parameters<Store['listAttemptsByMessage']>[2]) =>
        byteOrder((await store.listAttemptsByMessage(app.id, msg.id, filter)).data.map((a) => a.id));
      assert.deepEqual(await ids({ limit: 10, status: MessageStatus.Success }),
        byteOrder(attempts.filter((a) => a.status === MessageStatus.Success).map((a) => a.id)));
      assert.deepEqual(await ids({ limit: 10, statusCodeClass: 500 }),
        byteOrder(attempts.filter((a) => a.responseStatusCode === 500).map((a) => a.id)));
      assert.deepEqual(await ids({ limit: 10, endpointId: other!.id }),
        byteOrder(attempts.filter((a) => a.endpointId === other!.id).map((a) => a.id)));
      const walk = await walkPages((request) => store.listAttemptsByMessage(app.id, msg.id, request), (a) => a.id, 4, 'ascending');
      assert.deepEqual(walk.keys, byteOrder(attempts.map((a) => a.id)));
      const stranger = await store.createApplication(newApplication(), T0);
      assert.deepEqual((await store.listAttemptsByMessage(stranger.id, msg.id, { limit: 10 })).data, []);
      assert.equal(await store.getAttempt(stranger.id, msg.id, attempts[0]!.id), undefined);
      assert.deepEqual(await store.getAttempt(app.id, msg.id, attempts[0]!.id), attempts[0]);
    }));
  });

}
