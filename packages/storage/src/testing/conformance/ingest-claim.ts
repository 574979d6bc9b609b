import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageStatus, TriggerType } from '@herald/core';
import type { ClaimingResult, IngestClaim, NewMessage, Store } from '../../store.ts';
import { T0, SECOND, LEASE, SECRET_A, seed, newMessage, result, type WithStore } from './fixtures.ts';

/** For adapters with createMessagesClaiming: deliveries leased to the caller as their messages commit. */
export function ingestClaimSuite(withStore: WithStore): void {
  const claimOnIngest = (store: Store, batch: NewMessage[], now: number, claim: Partial<IngestClaim> = {}): Promise<ClaimingResult> => {
    assert.ok(store.createMessagesClaiming, 'the adapter was declared to lease deliveries at ingest');
    return store.createMessagesClaiming(batch, now, { limit: 100, leaseMs: LEASE, skipEndpointIds: [], ...claim });
  };

  describe('deliveries leased as their messages commit', () => {
    test('up to the limit are leased, complete and fenced; the rest wait in the queue for a claim', withStore(async (store) => {
      const { app, endpoints } = await seed(store, 3);
      const message = newMessage(app.id, T0, { channels: ['eu'] });
      const { results, claimed, queued } = await claimOnIngest(store, [{ message, endpointIds: endpoints.map((e) => e.id) }], T0, { limit: 2 });
      assert.deepEqual(results, [null]);
      assert.equal(claimed.length, 2);
      assert.equal(queued, 1);
      for (const [index, delivery] of claimed.entries()) {
        assert.deepEqual(delivery.message, message);
        assert.deepEqual(delivery.endpoint, endpoints[index]);
        assert.deepEqual(delivery.secrets, [{ key: SECRET_A, expiresAt: null }]);
        assert.equal(delivery.attemptCount, 0);
        assert.equal(delivery.triggerType, TriggerType.Scheduled);
      }
      const rest = await store.claimDeliveries(10, LEASE, T0);
      assert.deepEqual(rest.map((c) => c.endpoint.id), [endpoints[2]!.id], 'a claim takes only what was left in the queue');
      const statuses = (await store.listMessageDestinations(app.id, message.id, { limit: 10 })).data.map((d) => d.status);
      assert.deepEqual(statuses, [MessageStatus.Sending, MessageStatus.Sending, MessageStatus.Sending]);
    }));

    test('a leased delivery comes back to a claim only when its lease runs out, with a larger fence', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      const { claimed: [leased] } = await claimOnIngest(store, [{ message: newMessage(app.id, T0), endpointIds: [endpoints[0]!.id] }], T0);
      assert.ok(leased);
      assert.deepEqual(await store.claimDeliveries(10, LEASE, T0 + LEASE - SECOND), []);
      const [again] = await store.claimDeliveries(10, LEASE, T0 + LEASE + SECOND);
      assert.equal(again?.deliveryId, leased.deliveryId);
      assert.ok(again!.fence > leased.fence);
      const now = T0 + LEASE + 2 * SECOND;
      assert.deepEqual(await store.recordResults([result(leased, { kind: 'success' }, now)], now), [false], 'the stale lease cannot write');
      assert.deepEqual(await store.recordResults([result(again, { kind: 'success' }, now)], now), [true]);
    }));

    test('a result under the ingest lease is recorded', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      const { claimed: [leased] } = await claimOnIngest(store, [{ message: newMessage(app.id, T0), endpointIds: [endpoints[0]!.id] }], T0);
      assert.deepEqual(await store.recordResults([result(leased!, { kind: 'success' }, T0 + SECOND)], T0 + SECOND), [true]);
      const [destination] = (await store.listMessageDestinations(app.id, leased!.message.id, { limit: 10 })).data;
      assert.equal(destination?.status, MessageStatus.Success);
      assert.deepEqual(await store.claimDeliveries(10, LEASE, T0 + 2 * LEASE), [], 'a delivered message is not claimed again');
    }));

    test('deliveries to skipped endpoints, and beyond the limit, stay queued', withStore(async (store) => {
      const { app, endpoints } = await seed(store, 2);
      const ids = endpoints.map((e) => e.id);
      const batch = [0, 1, 2].map(() => ({ message: newMessage(app.id, T0), endpointIds: ids }));
      const { claimed, queued } = await claimOnIngest(store, batch, T0, { limit: 2, skipEndpointIds: [ids[0]!] });
      assert.deepEqual(claimed.map((c) => [c.message.id, c.endpoint.id]), [[batch[0]!.message.id, ids[1]], [batch[1]!.message.id, ids[1]]]);
      assert.equal(queued, 4);
      assert.equal((await store.claimDeliveries(10, LEASE, T0)).length, 4);
      const none = await claimOnIngest(store, [{ message: newMessage(app.id, T0), endpointIds: ids }], T0, { limit: 0 });
      assert.deepEqual(none.claimed, []);
      assert.equal(none.queued, 2);
    }));

    test('a message that fails in the batch leases nothing; the others keep their leases', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      const endpointIds = [endpoints[0]!.id];
      const first = newMessage(app.id, T0, { eventId: 'evt-taken' });
      await claimOnIngest(store, [{ message: first, endpointIds }], T0, { limit: 0 });
      const good = newMessage(app.id, T0);
      const duplicate = newMessage(app.id, T0, { eventId: 'evt-taken' });
      const alsoGood = newMessage(app.id, T0);
      const outcome = await claimOnIngest(store, [good, duplicate, alsoGood].map((message) => ({ message, endpointIds })), T0, { limit: 10 });
      assert.deepEqual(outcome.results.map((error) => error?.code ?? null), [null, 'conflict', null]);
      assert.deepEqual(outcome.claimed.map((c) => c.message.id), [good.id, alsoGood.id]);
      assert.equal(outcome.queued, 0);
      assert.deepEqual((await store.claimDeliveries(10, LEASE, T0)).map((c) => c.message.id), [first.id], 'the leased deliveries are not claimed again');
    }));

    test('an endpoint deleted before the commit gets no delivery and no lease', withStore(async (store) => {
      const { app, endpoints } = await seed(store, 2);
      await store.deleteEndpoint(app.id, endpoints[0]!.id);
      const { results, claimed } = await claimOnIngest(store, [{ message: newMessage(app.id, T0), endpointIds: endpoints.map((e) => e.id) }], T0);
      assert.deepEqual(results, [null]);
      assert.deepEqual(claimed.map((c) => c.endpoint.id), [endpoints[1]!.id]);
    }));
  });
}
