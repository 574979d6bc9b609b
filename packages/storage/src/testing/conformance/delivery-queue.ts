import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageStatus, TriggerType, type Message } from '@herald/core';
import { T0, SECOND, MINUTE, LEASE, SECRET_A, byteOrder, seed, accept, claimByMessage, result, applyResults, type WithStore } from './fixtures.ts';

export function deliveryQueueSuite(withStore: WithStore): void {
  describe('the delivery queue', () => {
    test('only deliveries that are due are claimed', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      const now = await accept(store, app.id, [endpoints[0]!.id], T0);
      const later = await accept(store, app.id, [endpoints[0]!.id], T0 + MINUTE);
      assert.deepEqual(await store.claimDeliveries(10, LEASE, T0 - 1), [], 'nothing is due before it was created');
      const claimed = await store.claimDeliveries(10, 10 * MINUTE, T0 + SECOND);
      assert.deepEqual(claimed.map((c) => c.message.id), [now.id]);
      assert.deepEqual((await store.claimDeliveries(10, 10 * MINUTE, T0 + MINUTE)).map((c) => c.message.id), [later.id]);
    }));

    test('a claimed delivery carries its message, endpoint, attempt count and trigger', withStore(async (store) => {
      const { app, endpoints: [endpoint] } = await seed(store);
      const msg = await accept(store, app.id, [endpoint!.id], T0, { payload: '{"exact":  true}', channels: ['eu'] });
      const [claimed] = await store.claimDeliveries(10, LEASE, T0);
      assert.ok(claimed);
      assert.equal(typeof claimed.deliveryId, 'string');
      assert.equal(typeof claimed.fence, 'number');
      assert.deepEqual(claimed.message, msg);
      assert.deepEqual(claimed.endpoint, endpoint);
      assert.deepEqual(claimed.secrets, [{ key: SECRET_A, expiresAt: null }]);
      assert.equal(claimed.attemptCount, 0);
      assert.equal(claimed.triggerType, TriggerType.Scheduled);
      const destination = (await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data[0]!;
      assert.equal(destination.status, MessageStatus.Sending);
    }));

    test('a claim hands out no more than its limit, and a later claim takes the rest', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      for (let i = 0; i < 3; i++) await accept(store, app.id, [endpoints[0]!.id], T0);
      const first = await store.claimDeliveries(2, LEASE, T0);
      assert.equal(first.length, 2);
      const second = await store.claimDeliveries(2, LEASE, T0);
      assert.equal(second.length, 1);
      assert.equal(new Set([...first, ...second].map((c) => c.deliveryId)).size, 3);
    }));

    test('a leased delivery is not handed to a second claim while its lease runs', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      await accept(store, app.id, [endpoints[0]!.id], T0);
      assert.equal((await store.claimDeliveries(10, LEASE, T0)).length, 1);
      assert.deepEqual(await store.claimDeliveries(10, LEASE, T0), []);
      assert.deepEqual(await store.claimDeliveries(10, LEASE, T0 + LEASE - SECOND), []);
    }));

    test('a delivery whose lease ran out is handed out again with a larger fence (crash recovery)', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      await accept(store, app.id, [endpoints[0]!.id], T0);
      const [first] = await store.claimDeliveries(10, LEASE, T0);
      const [again] = await store.claimDeliveries(10, LEASE, T0 + LEASE + SECOND);
      assert.equal(again?.deliveryId, first!.deliveryId);
      assert.ok(again!.fence > first!.fence, 'every claim bumps the fence');
      assert.equal(again!.attemptCount, 0, 'a lost lease is not an attempt');
    }));

    test('a stalled worker cannot overwrite a newer attempt', withStore(async (store) => {
      const { app, endpoints: [endpoint] } = await seed(store);
      const msg = await accept(store, app.id, [endpoint!.id], T0);
      const [stale] = await store.claimDeliveries(1, LEASE, T0);
      const [fresh] = await store.claimDeliveries(1, LEASE, T0 + LEASE + SECOND);
      assert.equal(fresh?.deliveryId, stale!.deliveryId);

      const late = await store.recordResults(
        [result(stale!, { kind: 'failed' }, T0 + LEASE + 2 * SECOND, { disableEndpoint: true })], T0 + LEASE + 2 * SECOND);
      assert.deepEqual(late, [false]);
      assert.deepEqual((await store.listAttemptsByMessage(app.id, msg.id, { limit: 10 })).data, [], 'no attempt row from the stale worker');
      const unchanged = (await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data[0]!;
      assert.equal(unchanged.status, MessageStatus.Sending, 'status unchanged');
      const endpointNow = await store.getEndpoint(app.id, endpoint!.id);
      assert.equal(endpointNow?.disabled, false, 'the stale result did not disable the endpoint');
      assert.equal(endpointNow?.failingSince, null, 'the stale failure did not mark the endpoint failing');

      const current = result(fresh!, { kind: 'success' }, T0 + LEASE + 3 * SECOND);
      assert.deepEqual(await store.recordResults([current], T0 + LEASE + 3 * SECOND), [true]);
      assert.equal((await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data[0]!.status, MessageStatus.Success);
      assert.deepEqual((await store.listAttemptsByMessage(app.id, msg.id, { limit: 10 })).data, [current.attempt]);
    }));

    test('a stale retry result does not put the delivery back in the queue', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      const msg = await accept(store, app.id, [endpoints[0]!.id], T0);
      const [stale] = await store.claimDeliveries(1, LEASE, T0);
      const [fresh] = await store.claimDeliveries(1, LEASE, T0 + LEASE);
      await applyResults(store, [result(fresh!, { kind: 'success' }, T0 + LEASE + 1)], T0 + LEASE + 1);
      assert.deepEqual(await store.recordResults([result(stale!, { kind: 'retry', nextAttemptAt: T0 + LEASE + 2 }, T0 + LEASE + 2)], T0 + LEASE + 2), [false]);
      assert.equal((await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data[0]!.status, MessageStatus.Success);
      assert.deepEqual(await store.claimDeliveries(10, LEASE, T0 + 10 * MINUTE), []);
    }));

    test('recordResults reports for each result whether it was applied', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      await accept(store, app.id, [endpoints[0]!.id], T0);
      await accept(store, app.id, [endpoints[0]!.id], T0);
      const [one, two] = await store.claimDeliveries(10, LEASE, T0);
      const applied = await store.recordResults([
        result(one!, { kind: 'success' }, T0 + 1, { fence: one!.fence - 1 }),
        result(two!, { kind: 'success' }, T0 + 1),
      ], T0 + 1);
      assert.deepEqual(applied, [false, true]);
    }));

    test('a success marks the delivery Success and records the attempt for the message and the endpoint', withStore(async (store) => {
      const { app, endpoints: [endpoint] } = await seed(store);
      const msg = await accept(store, app.id, [endpoint!.id], T0);
      const [claimed] = await store.claimDeliveries(10, LEASE, T0);
      const success = result(claimed!, { kind: 'success' }, T0 + SECOND);
      await applyResults(store, [success], T0 + SECOND);
      const destination = (await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data[0]!;
      assert.equal(destination.status, MessageStatus.Success);
      assert.equal(destination.nextAttemptAt, null);
      assert.deepEqual((await store.listAttemptsByMessage(app.id, msg.id, { limit: 10 })).data, [success.attempt]);
      assert.deepEqual((await store.listAttemptsByEndpoint(app.id, endpoint!.id, { limit: 10 })).data, [success.attempt]);
      assert.deepEqual(await store.getAttempt(app.id, msg.id, success.attempt!.id), success.attempt);
      assert.deepEqual(await store.claimDeliveries(10, LEASE, T0 + 10 * MINUTE), [], 'a success is final');
      assert.deepEqual(await store.queueStats(T0 + SECOND), { depth: 0, oldestDueAt: null });
    }));

    test('a retry leaves the delivery Pending and claimable only from its nextAttemptAt', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      const msg = await accept(store, app.id, [endpoints[0]!.id], T0);
      const [claimed] = await store.claimDeliveries(10, LEASE, T0);
      await applyResults(store, [result(claimed!, { kind: 'retry', nextAttemptAt: T0 + 5 * SECOND }, T0 + SECOND)], T0 + SECOND);
      const destination = (await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data[0]!;
      assert.equal(destination.status, MessageStatus.Pending);
      assert.equal(destination.nextAttemptAt, T0 + 5 * SECOND);
      assert.deepEqual(await store.claimDeliveries(10, LEASE, T0 + 5 * SECOND - 1), []);
      const [again] = await store.claimDeliveries(10, LEASE, T0 + 5 * SECOND);
      assert.equal(again?.deliveryId, claimed!.deliveryId);
      assert.equal(again!.attemptCount, 1, 'the attempt is counted');
      assert.ok(again!.fence > claimed!.fence);
    }));

    test('a failure marks the delivery Fail and it is not claimed again', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      const msg = await accept(store, app.id, [endpoints[0]!.id], T0);
      const [claimed] = await store.claimDeliveries(10, LEASE, T0);
      await applyResults(store, [result(claimed!, { kind: 'failed' }, T0 + SECOND)], T0 + SECOND);
      const destination = (await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data[0]!;
      assert.equal(destination.status, MessageStatus.Fail);
      assert.equal(destination.nextAttemptAt, null);
      assert.equal((await store.listAttemptsByMessage(app.id, msg.id, { limit: 10 })).data[0]?.status, MessageStatus.Fail);
      assert.deepEqual(await store.claimDeliveries(10, LEASE, T0 + 10 * MINUTE), []);
      assert.equal(await store.nextDueAt(), null);
    }));

    test('a result without an attempt applies its outcome and records no attempt', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      const msg = await accept(store, app.id, [endpoints[0]!.id], T0);
      const [claimed] = await store.claimDeliveries(10, LEASE, T0);
      await applyResults(store, [result(claimed!, { kind: 'failed' }, T0 + SECOND, { attempt: false })], T0 + SECOND);
      assert.equal((await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data[0]!.status, MessageStatus.Fail);
      assert.deepEqual((await store.listAttemptsByMessage(app.id, msg.id, { limit: 10 })).data, []);
    }));

    test('a result asking to disable the endpoint disables it', withStore(async (store) => {
      const { app, endpoints: [endpoint] } = await seed(store);
      await accept(store, app.id, [endpoint!.id], T0);
      assert.equal((await store.allEndpoints(app.id))[0]?.disabled, false);
      const [claimed] = await store.claimDeliveries(10, LEASE, T0);
      await applyResults(store, [result(claimed!, { kind: 'failed' }, T0 + SECOND, { disableEndpoint: true })], T0 + SECOND);
      assert.equal((await store.getEndpoint(app.id, endpoint!.id))?.disabled, true);
      assert.equal((await store.allEndpoints(app.id))[0]?.disabled, true, 'allEndpoints sees it too');
    }));

    test('failingSince marks the first failure of a run, and a success clears it', withStore(async (store) => {
      const { app, endpoints: [endpoint] } = await seed(store);
      for (let i = 0; i < 3; i++) await accept(store, app.id, [endpoint!.id], T0);
      const [first, second, third] = await store.claimDeliveries(10, 10 * MINUTE, T0);
      const failingSince = async () => (await store.getEndpoint(app.id, endpoint!.id))?.failingSince;
      assert.equal(await failingSince(), null);
      await applyResults(store, [result(first!, { kind: 'retry', nextAttemptAt: T0 + MINUTE }, T0 + SECOND)], T0 + SECOND);
      assert.equal(await failingSince(), T0 + SECOND);
      await applyResults(store, [result(second!, { kind: 'failed' }, T0 + 2 * SECOND)], T0 + 2 * SECOND);
      assert.equal(await failingSince(), T0 + SECOND, 'a later failure keeps the start of the run');
      assert.equal((await store.allEndpoints(app.id))[0]?.failingSince, T0 + SECOND);
      const [claimed] = await store.claimDeliveries(10, LEASE, T0 + MINUTE);
      assert.equal(claimed?.endpoint.failingSince, T0 + SECOND, 'the claim shows the failing mark to the worker');
      await applyResults(store, [result(third!, { kind: 'success' }, T0 + 3 * SECOND)], T0 + 3 * SECOND);
      assert.equal(await failingSince(), null, 'a success clears the failing mark');
      assert.equal((await store.allEndpoints(app.id))[0]?.failingSince, null);
    }));

    test('within one batch of results, failingSince follows the attempts in time order', withStore(async (store) => {
      const { app, endpoints: [endpoint] } = await seed(store);
      for (let i = 0; i < 6; i++) await accept(store, app.id, [endpoint!.id], T0);
      const claimed = await store.claimDeliveries(10, 10 * MINUTE, T0);
      assert.equal(claimed.length, 6);
      const [a, b, c, d, e, f] = claimed;
      const failingSince = async () => (await store.getEndpoint(app.id, endpoint!.id))?.failingSince;
      await applyResults(store, [
        result(b!, { kind: 'failed' }, T0 + 2 * SECOND),
        result(a!, { kind: 'failed' }, T0 + SECOND),
      ], T0 + 3 * SECOND);
      assert.equal(await failingSince(), T0 + SECOND, 'the earliest failure of the batch starts the run');
      await applyResults(store, [
        result(d!, { kind: 'failed' }, T0 + 5 * SECOND),
        result(c!, { kind: 'success' }, T0 + 4 * SECOND),
      ], T0 + 6 * SECOND);
      assert.equal(await failingSince(), T0 + 5 * SECOND, 'a failure after the batch\'s success starts a new run');
      await applyResults(store, [
        result(f!, { kind: 'success' }, T0 + 8 * SECOND),
        result(e!, { kind: 'failed' }, T0 + 7 * SECOND),
      ], T0 + 9 * SECOND);
      assert.equal(await failingSince(), null, 'a success after the batch\'s failures ends the run');
      assert.equal((await store.allEndpoints(app.id))[0]?.failingSince, null);
    }));

    test('re-enabling a disabled endpoint starts its failure run afresh', withStore(async (store) => {
      const { app, endpoints: [endpoint] } = await seed(store);
      await accept(store, app.id, [endpoint!.id], T0);
      const [claimed] = await store.claimDeliveries(10, LEASE, T0);
      await applyResults(store, [result(claimed!, { kind: 'failed' }, T0 + SECOND, { disableEndpoint: true })], T0 + SECOND);
      assert.equal((await store.getEndpoint(app.id, endpoint!.id))?.failingSince, T0 + SECOND);
      const enabled = await store.updateEndpoint(app.id, endpoint!.id, { disabled: false }, T0 + MINUTE);
      assert.equal(enabled.disabled, false);
      assert.equal(enabled.failingSince, null);
    }));

    test('a released delivery is claimable again from its availableAt, and a release with a stale fence is ignored', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      const msg = await accept(store, app.id, [endpoints[0]!.id], T0);
      const [claimed] = await store.claimDeliveries(1, MINUTE, T0);
      await store.releaseDeliveries([{ deliveryId: claimed!.deliveryId, fence: claimed!.fence - 1, availableAt: T0 }], T0 + 1);
      assert.deepEqual(await store.claimDeliveries(1, MINUTE, T0 + SECOND), [], 'a stale fence changes nothing');
      await store.releaseDeliveries([{ deliveryId: claimed!.deliveryId, fence: claimed!.fence, availableAt: T0 + 5 * SECOND }], T0 + 2);
      const destination = (await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data[0]!;
      assert.equal(destination.status, MessageStatus.Pending);
      assert.equal(destination.nextAttemptAt, T0 + 5 * SECOND);
      assert.deepEqual(await store.claimDeliveries(1, MINUTE, T0 + 5 * SECOND - 1), []);
      const [again] = await store.claimDeliveries(1, MINUTE, T0 + 5 * SECOND);
      assert.equal(again?.deliveryId, claimed!.deliveryId);
      assert.equal(again!.attemptCount, 0, 'a release is not an attempt');
      assert.ok(again!.fence > claimed!.fence);
      await store.releaseDeliveries([{ deliveryId: claimed!.deliveryId, fence: claimed!.fence, availableAt: T0 }], T0 + 5 * SECOND);
      assert.deepEqual(await store.claimDeliveries(1, MINUTE, T0 + 6 * SECOND), [], 'the old lease cannot release the new one');
    }));

    test('expireAllLeases hands every leased delivery out again at once, under a new fence', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      await accept(store, app.id, [endpoints[0]!.id], T0);
      await accept(store, app.id, [endpoints[0]!.id], T0);
      const leased = await store.claimDeliveries(1, 5 * MINUTE, T0);
      assert.equal(await store.expireAllLeases(T0 + SECOND), 1, 'only leased deliveries are counted');
      const again = await store.claimDeliveries(10, 5 * MINUTE, T0 + SECOND);
      assert.equal(again.length, 2);
      const reclaimed = again.find((c) => c.deliveryId === leased[0]!.deliveryId);
      assert.ok(reclaimed && reclaimed.fence > leased[0]!.fence);
      assert.deepEqual(await store.recordResults([result(leased[0]!, { kind: 'success' }, T0 + 2 * SECOND)], T0 + 2 * SECOND), [false]);
    }));

    test('resendMessage requeues a finished delivery as due now with a Manual trigger', withStore(async (store) => {
      const { app, endpoints: [endpoint] } = await seed(store);
      const msg = await accept(store, app.id, [endpoint!.id], T0);
      const [claimed] = await store.claimDeliveries(10, LEASE, T0);
      await applyResults(store, [result(claimed!, { kind: 'success' }, T0 + SECOND)], T0 + SECOND);
      await store.resendMessage(app.id, msg.id, endpoint!.id, T0 + MINUTE);
      const destination = (await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data[0]!;
      assert.equal(destination.status, MessageStatus.Pending);
      assert.equal(destination.nextAttemptAt, T0 + MINUTE);
      assert.equal(await store.nextDueAt(), T0 + MINUTE);
      const [resent] = await store.claimDeliveries(10, LEASE, T0 + MINUTE);
      assert.equal(resent?.message.id, msg.id);
      assert.equal(resent?.endpoint.id, endpoint!.id);
      assert.equal(resent?.triggerType, TriggerType.Manual);
      assert.equal((await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data.length, 1, 'still one delivery per endpoint');
    }));

    test('resendMessage voids the result of an attempt still in flight for that delivery', withStore(async (store) => {
      const { app, endpoints: [endpoint] } = await seed(store);
      const msg = await accept(store, app.id, [endpoint!.id], T0);
      const [inFlight] = await store.claimDeliveries(10, LEASE, T0);
      await store.resendMessage(app.id, msg.id, endpoint!.id, T0 + SECOND);
      assert.deepEqual(await store.recordResults([result(inFlight!, { kind: 'failed' }, T0 + 2 * SECOND)], T0 + 2 * SECOND), [false]);
      const [resent] = await store.claimDeliveries(10, LEASE, T0 + 2 * SECOND);
      assert.equal(resent?.triggerType, TriggerType.Manual, 'the resend is not lost');
    }));

    test('resendMessage can send a message to an endpoint it was never delivered to', withStore(async (store) => {
      const { app, endpoints: [endpoint] } = await seed(store);
      const msg = await accept(store, app.id, [], T0);
      await store.resendMessage(app.id, msg.id, endpoint!.id, T0 + SECOND);
      const [resent] = await store.claimDeliveries(10, LEASE, T0 + SECOND);
      assert.equal(resent?.message.id, msg.id);
      assert.equal(resent?.triggerType, TriggerType.Manual);
    }));

    test('recoverEndpoint requeues only the failed deliveries created in [since, until) and returns how many', withStore(async (store) => {
      const { app, endpoints: [endpoint, other] } = await seed(store, 2);
      const times = [T0, T0 + 10 * SECOND, T0 + 20 * SECOND, T0 + 30 * SECOND];
      const messages: Message[] = [];
      for (const at of times) messages.push(await accept(store, app.id, [endpoint!.id, other!.id], at));
      const delivered = await accept(store, app.id, [endpoint!.id], T0 + 15 * SECOND);
      const claimed = await claimByMessage(store, T0 + 30 * SECOND, LEASE);
      await applyResults(store, [...claimed.values()].map((c) => result(c,
        c.message.id === delivered.id ? { kind: 'success' } : { kind: 'failed' }, T0 + 31 * SECOND)), T0 + 31 * SECOND);

      const recovered = await store.recoverEndpoint(app.id, endpoint!.id, T0 + 10 * SECOND, T0 + 30 * SECOND, T0 + MINUTE);
      assert.equal(recovered, 2, 'the failures at +10 s (inclusive) and +20 s; not +30 s (exclusive), not the success');
      const requeued = await store.claimDeliveries(10, LEASE, T0 + MINUTE);
      assert.deepEqual(byteOrder(requeued.map((c) => c.message.id)), byteOrder([messages[1]!.id, messages[2]!.id]));
      for (const c of requeued) {
        assert.equal(c.endpoint.id, endpoint!.id, 'other endpoints are left alone');
        assert.equal(c.triggerType, TriggerType.Manual);
      }
      assert.equal(await store.recoverEndpoint(app.id, endpoint!.id, T0, null, T0 + 2 * MINUTE), 2, 'no upper bound: +0 s and +30 s remain');
      assert.equal(await store.recoverEndpoint(app.id, endpoint!.id, T0, null, T0 + 3 * MINUTE), 0, 'nothing failed is left');
    }));

    test('endpointStats counts an endpoint deliveries by status, within an optional time window', withStore(async (store) => {
      const { app, endpoints: [endpoint, other] } = await seed(store, 2);
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push((await accept(store, app.id, [endpoint!.id], T0 + i * 10 * SECOND)).id);
      await accept(store, app.id, [other!.id], T0);
      const claimed = await claimByMessage(store, T0 + 30 * SECOND, LEASE);
      const of = (i: number) => claimed.get(`${ids[i]}/${endpoint!.id}`)!;
      await applyResults(store, [
        result(of(0), { kind: 'success' }, T0 + 31 * SECOND),
        result(of(1), { kind: 'failed' }, T0 + 31 * SECOND),
        result(of(2), { kind: 'retry', nextAttemptAt: T0 + 10 * MINUTE }, T0 + 31 * SECOND),
      ], T0 + 31 * SECOND);
      assert.deepEqual(await store.endpointStats(app.id, endpoint!.id, null, null), { success: 1, fail: 1, pending: 1, sending: 1 });
      assert.deepEqual(await store.endpointStats(app.id, endpoint!.id, T0 + 10 * SECOND, T0 + 30 * SECOND), { success: 0, fail: 1, pending: 1, sending: 0 });
      assert.deepEqual(await store.endpointStats(app.id, endpoint!.id, T0 + 10 * SECOND, null), { success: 0, fail: 1, pending: 1, sending: 1 });
      assert.deepEqual(await store.endpointStats(app.id, endpoint!.id, null, T0 + 10 * SECOND), { success: 1, fail: 0, pending: 0, sending: 0 });
      assert.deepEqual(await store.endpointStats(app.id, other!.id, null, null), { success: 0, fail: 0, pending: 0, sending: 1 });
    }));

    test('queueStats reports the unfinished depth and the oldest due time', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      assert.deepEqual(await store.queueStats(T0), { depth: 0, oldestDueAt: null });
      await accept(store, app.id, [endpoints[0]!.id], T0);
      await accept(store, app.id, [endpoints[0]!.id], T0 + 10 * SECOND);
      assert.deepEqual(await store.queueStats(T0 + 20 * SECOND), { depth: 2, oldestDueAt: T0 });
      assert.deepEqual(await store.queueStats(T0 + 5 * SECOND), { depth: 2, oldestDueAt: T0 }, 'a delivery due later is counted but not due');
      const claimed = await store.claimDeliveries(10, LEASE, T0 + 20 * SECOND);
      assert.deepEqual(await store.queueStats(T0 + 20 * SECOND), { depth: 2, oldestDueAt: null }, 'leased deliveries are in flight, not due');
      await applyResults(store, [
        result(claimed[0]!, { kind: 'success' }, T0 + 21 * SECOND),
        result(claimed[1]!, { kind: 'retry', nextAttemptAt: T0 + MINUTE }, T0 + 21 * SECOND),
      ], T0 + 21 * SECOND);
      assert.deepEqual(await store.queueStats(T0 + 30 * SECOND), { depth: 1, oldestDueAt: null });
      assert.deepEqual(await store.queueStats(T0 + 2 * MINUTE), { depth: 1, oldestDueAt: T0 + MINUTE });
    }));

    test('nextDueAt is the earliest time a delivery becomes claimable, or null when the queue is empty', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      assert.equal(await store.nextDueAt(), null);
      await accept(store, app.id, [endpoints[0]!.id], T0 + 10 * SECOND);
      await accept(store, app.id, [endpoints[0]!.id], T0 + 20 * SECOND);
      assert.equal(await store.nextDueAt(), T0 + 10 * SECOND);
      const [first] = await store.claimDeliveries(1, LEASE, T0 + 10 * SECOND);
      assert.equal(await store.nextDueAt(), T0 + 20 * SECOND);
      await applyResults(store, [result(first!, { kind: 'retry', nextAttemptAt: T0 + 15 * SECOND }, T0 + 11 * SECOND)], T0 + 11 * SECOND);
      assert.equal(await store.nextDueAt(), T0 + 15 * SECOND);
      const rest = await store.claimDeliveries(10, LEASE, T0 + 20 * SECOND);
      assert.equal(rest.length, 2);
      assert.equal(await store.nextDueAt(), T0 + 20 * SECOND + LEASE, 'a leased delivery becomes claimable when its lease ends');
      await applyResults(store, rest.map((c) => result(c, { kind: 'success' }, T0 + 21 * SECOND)), T0 + 21 * SECOND);
      assert.equal(await store.nextDueAt(), null);
    }));
  });

}
