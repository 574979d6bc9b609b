import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '@herald/core';
import type { ClaimedInboundRequest, RouteOutcome } from '../../inbound.ts';
import type { Store } from '../../store.ts';
import { T0, SECOND, MINUTE, LEASE, newEndpoint, type WithStore } from './fixtures.ts';
import { createSource, newInboundRequest, record, recordAccepted, rejected } from './inbound-fixtures.ts';

function outcome(claimed: ClaimedInboundRequest, endpointId: string, at: number, overrides: Partial<RouteOutcome> = {}): RouteOutcome {
  return {
    requestId: claimed.request.id, round: claimed.round, endpointId, outcome: 'forwarded', reason: null,
    msgId: newId('msg', at), createdAt: at, ...overrides,
  };
}

async function complete(store: Store, claimed: ClaimedInboundRequest, outcomes: RouteOutcome[], now: number, fence = claimed.fence): Promise<boolean> {
  return store.completeInboundRouting({ requestId: claimed.request.id, fence, round: claimed.round, outcomes }, now);
}

export function inboundRoutingSuite(withStore: WithStore): void {
  describe('inbound routing', () => {
    test('accepted requests are claimed oldest first with their source; rejected and duplicates never', withStore(async (store) => {
      const { source } = await createSource(store);
      const batch = [
        newInboundRequest(source.id, T0, { dedupeKey: 'a' }),
        rejected(source.id, T0 + 1),
        newInboundRequest(source.id, T0 + 2, { dedupeKey: 'a' }),
        newInboundRequest(source.id, T0 + 3),
        newInboundRequest(source.id, T0 + 4),
      ];
      await record(store, batch, T0 + 5);
      const first = await store.claimInboundRequests(2, LEASE, T0 + SECOND);
      assert.deepEqual(first.map((c) => c.request.id), [batch[0]!.id, batch[3]!.id]);
      assert.deepEqual(first[0]!.source, source);
      assert.equal(first[0]!.round, 0);
      assert.ok(first[0]!.request.body?.equals(batch[0]!.body!));
      const rest = await store.claimInboundRequests(10, LEASE, T0 + SECOND);
      assert.deepEqual(rest.map((c) => c.request.id), [batch[4]!.id], 'leased ones are not claimed twice');
      assert.deepEqual(await store.claimInboundRequests(10, LEASE, T0 + 2 * SECOND), []);
    }));

    test('completing writes the outcomes and ends the routing; a stale fence writes nothing', withStore(async (store) => {
      const { source } = await createSource(store);
      const endpoints = [await store.createEndpoint(newEndpoint(source.appId), T0), await store.createEndpoint(newEndpoint(source.appId), T0)];
      const [id] = await recordAccepted(store, source.id, 1, T0);
      const [claimed] = await store.claimInboundRequests(10, LEASE, T0 + SECOND);
      assert.ok(claimed);
      const outcomes = [
        outcome(claimed, endpoints[0]!.id, T0 + 2 * SECOND),
        outcome(claimed, endpoints[1]!.id, T0 + 2 * SECOND, { outcome: 'filtered', reason: 'body.action: expected "opened"', msgId: null }),
      ];
      assert.equal(await complete(store, claimed, outcomes, T0 + 2 * SECOND, claimed.fence + 1), false, 'a fence that was never handed out');
      assert.deepEqual(await store.listRouteOutcomes(id!), []);
      assert.equal(await complete(store, claimed, outcomes, T0 + 2 * SECOND), true);
      const byEndpoint = (list: RouteOutcome[]) => [...list].sort((a, b) => (a.endpointId < b.endpointId ? -1 : 1));
      assert.deepEqual(await store.listRouteOutcomes(id!), byEndpoint(outcomes));
      const routed = await store.getInboundRequest(source.id, id!);
      assert.equal(routed?.routedRound, 0);
      assert.equal(routed?.routingRound, 0);
      assert.deepEqual(await store.claimInboundRequests(10, LEASE, T0 + 10 * MINUTE), [], 'a routed request is never claimed again');
      assert.equal(await complete(store, claimed, [], T0 + 3 * SECOND), false, 'completing twice is refused');
    }));

    test('a router that crashed after claiming: the request is claimable again after the lease, and the old holder cannot complete', withStore(async (store) => {
      const { source } = await createSource(store);
      const endpoint = await store.createEndpoint(newEndpoint(source.appId), T0);
      await recordAccepted(store, source.id, 1, T0);
      const [crashed] = await store.claimInboundRequests(10, LEASE, T0);
      assert.ok(crashed);
      assert.deepEqual(await store.claimInboundRequests(10, LEASE, T0 + LEASE - 1), [], 'still leased');
      const [again] = await store.claimInboundRequests(10, LEASE, T0 + LEASE);
      assert.equal(again?.request.id, crashed.request.id);
      assert.equal(again?.round, crashed.round, 'the same round: its message keeps the same eventId');
      assert.ok(again!.fence > crashed.fence);
      assert.equal(await complete(store, crashed, [outcome(crashed, endpoint.id, T0 + LEASE)], T0 + LEASE), false);
      assert.equal(await complete(store, again!, [outcome(again!, endpoint.id, T0 + LEASE)], T0 + LEASE), true);
      assert.equal((await store.listRouteOutcomes(crashed.request.id)).length, 1);
    }));

    test('expiring every inbound lease at start makes what a crashed process held claimable at once, fenced anew', withStore(async (store) => {
      const { source } = await createSource(store);
      const [first, second] = await recordAccepted(store, source.id, 2, T0);
      const [held] = await store.claimInboundRequests(1, LEASE, T0);
      assert.equal(held?.request.id, first);
      assert.equal(await store.expireInboundLeases(T0 + 1), 1, 'only the leased one');
      const claimed = await store.claimInboundRequests(10, LEASE, T0 + 1);
      assert.deepEqual(claimed.map((c) => c.request.id), [first, second], 'the held one too, without waiting for its lease');
      assert.equal(await complete(store, held!, [], T0 + 2), false, 'the crashed holder cannot complete');
    }));

    test('a whole batch completes at once, each member fenced on its own: a stale member is refused, the others complete', withStore(async (store) => {
      const { source } = await createSource(store);
      const endpoints = [await store.createEndpoint(newEndpoint(source.appId), T0), await store.createEndpoint(newEndpoint(source.appId), T0)];
      const ids = await recordAccepted(store, source.id, 3, T0);
      const claimed = await store.claimInboundRequests(10, LEASE, T0 + SECOND);
      assert.deepEqual(claimed.map((c) => c.request.id), ids);
      const [a, b, c] = claimed as [ClaimedInboundRequest, ClaimedInboundRequest, ClaimedInboundRequest];
      const at = T0 + 2 * SECOND;
      const outcomesOf = (one: ClaimedInboundRequest) => [
        outcome(one, endpoints[0]!.id, at, { msgId: `msg_for_${one.request.id}` }),
        outcome(one, endpoints[1]!.id, at, { outcome: 'filtered', reason: 'headers.x-event: expected "push"', msgId: null }),
      ];
      const results = await store.completeInboundRoutings([
        { requestId: a.request.id, fence: a.fence, round: a.round, outcomes: outcomesOf(a) },
        { requestId: b.request.id, fence: b.fence + 1, round: b.round, outcomes: outcomesOf(b) },
        { requestId: c.request.id, fence: c.fence, round: c.round, outcomes: [] },
      ], at);
      assert.deepEqual(results, [true, false, true]);
      const byEndpoint = (list: RouteOutcome[]) => [...list].sort((x, y) => (x.endpointId < y.endpointId ? -1 : 1));
      assert.deepEqual(await store.listRouteOutcomes(a.request.id), byEndpoint(outcomesOf(a)));
      assert.deepEqual(await store.listRouteOutcomes(b.request.id), [], 'the stale member wrote nothing');
      assert.deepEqual(await store.listRouteOutcomes(c.request.id), []);
      assert.equal((await store.getInboundRequest(source.id, a.request.id))?.routedRound, 0);
      assert.equal((await store.getInboundRequest(source.id, b.request.id))?.routedRound, -1, 'the stale member is still to route');
      assert.equal((await store.getInboundRequest(source.id, c.request.id))?.routedRound, 0);
      assert.deepEqual(await store.completeInboundRoutings([], at), []);
      assert.deepEqual(await store.completeInboundRoutings([{ requestId: a.request.id, fence: a.fence, round: a.round, outcomes: [] }], at), [false],
        'completing twice is refused');
      const [again] = await store.claimInboundRequests(10, LEASE, T0 + LEASE + SECOND);
      assert.equal(again?.request.id, b.request.id, 'once its lease runs out the stale member is claimed again');
    }));

    test('a replay by ids routes accepted requests of the source again, as a new round', withStore(async (store) => {
      const { source } = await createSource(store);
      const other = await createSource(store);
      const endpoint = await store.createEndpoint(newEndpoint(source.appId), T0);
      const [a, b] = await recordAccepted(store, source.id, 2, T0);
      const [otherId] = await recordAccepted(store, other.source.id, 1, T0);
      const rejectedOne = rejected(source.id, T0 + 5);
      await record(store, [rejectedOne], T0 + 5);
      for (const claimed of await store.claimInboundRequests(10, LEASE, T0 + SECOND)) {
        assert.equal(await complete(store, claimed, claimed.request.sourceId === source.id ? [outcome(claimed, endpoint.id, T0 + SECOND)] : [], T0 + SECOND), true);
      }
      const replayed = await store.requeueInboundRequests(source.id, { ids: [a!, otherId!, rejectedOne.id, newId('inreq')] }, T0 + MINUTE);
      assert.equal(replayed, 1, 'only accepted requests of this source are replayed');
      const [claimed] = await store.claimInboundRequests(10, LEASE, T0 + MINUTE);
      assert.equal(claimed?.request.id, a);
      assert.equal(claimed?.round, 1);
      assert.equal(claimed?.request.routingRound, 1);
      assert.equal(await complete(store, claimed!, [outcome(claimed!, endpoint.id, T0 + MINUTE, { outcome: 'endpoint_disabled', msgId: null })], T0 + MINUTE), true);
      assert.deepEqual((await store.listRouteOutcomes(a!)).map((o) => [o.round, o.outcome]), [[1, 'endpoint_disabled'], [0, 'forwarded']], 'newest round first');
      assert.equal((await store.getInboundRequest(source.id, a!))?.routedRound, 1);
      assert.deepEqual(await store.claimInboundRequests(10, LEASE, T0 + 10 * MINUTE), []);
      assert.equal((await store.getInboundRequest(source.id, b!))?.routingRound, 0);
    }));

    test('a replay by filter takes the accepted requests of the time range', withStore(async (store) => {
      const { source } = await createSource(store);
      const ids = [];
      for (let i = 0; i < 4; i++) ids.push(...await recordAccepted(store, source.id, 1, T0 + i * MINUTE));
      await record(store, [rejected(source.id, T0 + MINUTE + 1)], T0 + 2 * MINUTE);
      for (const claimed of await store.claimInboundRequests(10, LEASE, T0 + 5 * MINUTE)) await complete(store, claimed, [], T0 + 5 * MINUTE);
      assert.equal(await store.requeueInboundRequests(source.id, { after: T0 + MINUTE - 1, before: T0 + 3 * MINUTE }, T0 + 6 * MINUTE), 2);
      const claimed = await store.claimInboundRequests(10, LEASE, T0 + 6 * MINUTE);
      assert.deepEqual(claimed.map((c) => [c.request.id, c.round]), [[ids[1], 1], [ids[2], 1]]);
      assert.equal(await store.requeueInboundRequests(source.id, { verdict: 'rejected' }, T0 + 7 * MINUTE), 0, 'rejected requests are not routed');
      assert.equal(await store.requeueInboundRequests(source.id, {}, T0 + 7 * MINUTE), 4);
    }));

    test('a replay asked for while a round is being routed is routed after it', withStore(async (store) => {
      const { source } = await createSource(store);
      const [id] = await recordAccepted(store, source.id, 1, T0);
      const [first] = await store.claimInboundRequests(10, LEASE, T0);
      assert.equal(await store.requeueInboundRequests(source.id, { ids: [id!] }, T0 + SECOND), 1);
      assert.deepEqual(await store.claimInboundRequests(10, LEASE, T0 + SECOND), [], 'the lease is still held');
      assert.equal(await complete(store, first!, [], T0 + 2 * SECOND), true, 'the round in flight completes');
      const [second] = await store.claimInboundRequests(10, LEASE, T0 + 2 * SECOND);
      assert.equal(second?.round, 1, 'and the replay follows at once, without waiting for the old lease');
    }));

    test('deleting a source deletes the outcomes of its requests', withStore(async (store) => {
      const { source } = await createSource(store);
      const endpoint = await store.createEndpoint(newEndpoint(source.appId), T0);
      const [id] = await recordAccepted(store, source.id, 1, T0);
      const [claimed] = await store.claimInboundRequests(10, LEASE, T0);
      await complete(store, claimed!, [outcome(claimed!, endpoint.id, T0)], T0);
      assert.equal((await store.listRouteOutcomes(id!)).length, 1);
      await store.deleteSource(source.id);
      assert.deepEqual(await store.listRouteOutcomes(id!), []);
      assert.deepEqual(await store.claimInboundRequests(10, LEASE, T0 + 10 * MINUTE), []);
    }));
  });
}
