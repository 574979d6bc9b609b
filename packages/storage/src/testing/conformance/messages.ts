import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HeraldError, MessageStatus, newId } from '@herald/core';
import type { PageRequest } from '../../pagination.ts';
import type { MessageDestination, Store } from '../../store.ts';
import { T0, SECOND, MINUTE, LEASE, byteOrder, isConflict, newApplication, newMessage, idempotency, seed, accept, claimByMessage, result, applyResults, walkPages, walkBack, type WithStore } from './fixtures.ts';

export function messagesSuite(withStore: WithStore): void {
  describe('messages', () => {
    test('createMessages commits a message with one pending delivery per endpoint, due at once', withStore(async (store) => {
      const { app, endpoints } = await seed(store, 3);
      const msg = newMessage(app.id, T0, { eventId: 'evt-1', channels: ['eu', 'us'], payload: '{"b": 2,  "a":[1, 2.50]}' });
      assert.deepEqual(await store.createMessages([{ message: msg, endpointIds: [endpoints[0]!.id, endpoints[1]!.id] }], T0), [null]);
      assert.deepEqual(await store.getMessage(app.id, msg.id), msg, 'the payload text is kept byte for byte');
      const destinations = await store.listMessageDestinations(app.id, msg.id, { limit: 10 });
      assert.deepEqual(byteOrder(destinations.data.map((d) => d.endpoint.id)), byteOrder([endpoints[0]!.id, endpoints[1]!.id]));
      for (const destination of destinations.data) {
        assert.equal(destination.status, MessageStatus.Pending);
        assert.equal(destination.nextAttemptAt, T0);
      }
      assert.deepEqual(await store.queueStats(T0), { depth: 2, oldestDueAt: T0 });
      const claimed = await store.claimDeliveries(10, LEASE, T0);
      assert.equal(claimed.length, 2);
      assert.equal(new Set(claimed.map((c) => c.deliveryId)).size, 2, 'one delivery per endpoint');
    }));

    test('a message for no endpoint is stored without deliveries', withStore(async (store) => {
      const { app } = await seed(store);
      const msg = await accept(store, app.id, [], T0);
      assert.deepEqual(await store.getMessage(app.id, msg.id), msg);
      assert.deepEqual((await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data, []);
      assert.equal((await store.queueStats(T0)).depth, 0);
    }));

    test('an endpoint deleted before the commit, or one of another application, gets no delivery and the message still commits', withStore(async (store) => {
      const { app, endpoints: [kept, deleted] } = await seed(store, 2);
      const { endpoints: [foreign] } = await seed(store);
      // The caller computed the fan-out before the endpoint was deleted.
      assert.equal(await store.deleteEndpoint(app.id, deleted!.id), true);
      const msg = newMessage(app.id, T0);
      assert.deepEqual(await store.createMessages([{ message: msg, endpointIds: [kept!.id, deleted!.id, foreign!.id] }], T0), [null]);
      assert.deepEqual(await store.getMessage(app.id, msg.id), msg);
      assert.deepEqual((await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data.map((d) => d.endpoint.id), [kept!.id]);
      assert.deepEqual((await store.claimDeliveries(10, LEASE, T0)).map((c) => c.endpoint.id), [kept!.id]);
    }));

    test('a message is found by its id and by its eventId, within its application only', withStore(async (store) => {
      const { app } = await seed(store);
      const other = await store.createApplication(newApplication(), T0);
      const msg = await accept(store, app.id, [], T0, { eventId: 'evt-1' });
      assert.equal((await store.getMessage(app.id, msg.id))?.id, msg.id);
      assert.equal((await store.getMessage(app.id, 'evt-1'))?.id, msg.id);
      assert.equal(await store.getMessage(other.id, msg.id), undefined);
      assert.equal(await store.getMessage(other.id, 'evt-1'), undefined);
      assert.equal(await store.getMessage(app.id, 'evt-2'), undefined);
    }));

    test('a duplicate eventId in a batch fails only that item while the other items commit', withStore(async (store) => {
      const { app, endpoints } = await seed(store, 2);
      const ids = endpoints.map((endpoint) => endpoint.id);
      const stored = await accept(store, app.id, ids, T0, { eventId: 'evt-old' });
      const first = newMessage(app.id, T0 + 1, { eventId: 'evt-1' });
      const sameBatch = newMessage(app.id, T0 + 1, { eventId: 'evt-1' });
      const againstStored = newMessage(app.id, T0 + 1, { eventId: 'evt-old' });
      const plain = newMessage(app.id, T0 + 1);
      const results = await store.createMessages([
        { message: first, endpointIds: ids },
        { message: sameBatch, endpointIds: ids },
        { message: againstStored, endpointIds: ids },
        { message: plain, endpointIds: ids },
      ], T0 + 1);
      assert.equal(results.length, 4);
      assert.equal(results[0], null);
      assert.ok(isConflict(results[1]), 'a duplicate within the batch is a conflict');
      assert.ok(isConflict(results[2]), 'a duplicate of a stored message is a conflict');
      assert.equal(results[3], null);
      assert.equal((await store.getMessage(app.id, 'evt-1'))?.id, first.id);
      assert.equal((await store.getMessage(app.id, 'evt-old'))?.id, stored.id);
      assert.equal(await store.getMessage(app.id, sameBatch.id), undefined);
      assert.equal(await store.getMessage(app.id, againstStored.id), undefined);
      assert.deepEqual(await store.getMessage(app.id, plain.id), plain);
      assert.equal((await store.listMessageDestinations(app.id, plain.id, { limit: 10 })).data.length, 2);
      assert.equal((await store.queueStats(T0 + 1)).depth, 6, 'deliveries of the failed items were not kept');
    }));

    test('the same eventId may be used in two applications', withStore(async (store) => {
      const { app } = await seed(store);
      const other = await store.createApplication(newApplication(), T0);
      await accept(store, app.id, [], T0, { eventId: 'evt-1' });
      await accept(store, other.id, [], T0, { eventId: 'evt-1' });
      assert.notEqual((await store.getMessage(app.id, 'evt-1'))?.id, (await store.getMessage(other.id, 'evt-1'))?.id);
    }));

    test('a message for an unknown application fails only that item', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      const orphan = newMessage(newId('app'), T0);
      const good = newMessage(app.id, T0);
      const results = await store.createMessages([
        { message: orphan, endpointIds: [] },
        { message: good, endpointIds: [endpoints[0]!.id] },
      ], T0);
      assert.ok(results[0] instanceof HeraldError, 'the orphan gets a HeraldError');
      assert.equal(results[0].code, 'not_found');
      assert.equal(results[1], null);
      assert.equal(await store.getMessage(orphan.appId, orphan.id), undefined);
      assert.deepEqual(await store.getMessage(app.id, good.id), good);
      assert.equal((await store.queueStats(T0)).depth, 1);
    }));

    test('the idempotency record given with a message is committed with it, and not when the message fails', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      const ids = [endpoints[0]!.id];
      const record = idempotency({ key: 'k-1', createdAt: T0 });
      const lost = idempotency({ key: 'k-2', createdAt: T0 });
      const results = await store.createMessages([
        { message: newMessage(app.id, T0, { eventId: 'evt-1' }), endpointIds: ids, idempotency: record },
        { message: newMessage(app.id, T0, { eventId: 'evt-1' }), endpointIds: ids, idempotency: lost },
      ], T0);
      assert.equal(results[0], null);
      assert.ok(isConflict(results[1]));
      assert.deepEqual(await store.getIdempotency(record.scope, record.key, T0), record);
      assert.equal(await store.getIdempotency(lost.scope, lost.key, T0), undefined);
    }));

    test('a message can replace an expired idempotency record under the same key', withStore(async (store) => {
      const { app } = await seed(store);
      await store.saveIdempotency(idempotency({ key: 'k', body: 'old', createdAt: T0 }));
      const fresh = idempotency({ key: 'k', body: 'new', createdAt: T0 + MINUTE });
      assert.deepEqual(await store.createMessages([{ message: newMessage(app.id, T0 + MINUTE), endpointIds: [], idempotency: fresh }], T0 + MINUTE), [null]);
      assert.deepEqual(await store.getIdempotency('scope', 'k', T0 + 1), fresh);
    }));

    test('listMessages filters by event types, channel and creation time, within one application', withStore(async (store) => {
      const { app } = await seed(store);
      const other = await store.createApplication(newApplication(), T0);
      await accept(store, other.id, [], T0, { eventType: 'a.x' });
      const a = await accept(store, app.id, [], T0, { eventType: 'a.x', channels: ['eu'] });
      const b = await accept(store, app.id, [], T0 + SECOND, { eventType: 'b.x', channels: null });
      const c = await accept(store, app.id, [], T0 + 2 * SECOND, { eventType: 'a.x', channels: ['us', 'eu'] });
      const d = await accept(store, app.id, [], T0 + 3 * SECOND, { eventType: 'c.x', channels: ['us'] });
      const ids = async (filter: Parameters<Store['listMessages']>[1]) =>
        (await store.listMessages(app.id, { order: 'ascending', ...filter })).data.map((m) => m.id);
      assert.deepEqual(await ids({ limit: 10 }), byteOrder([a.id, b.id, c.id, d.id]));
      assert.deepEqual(await ids({ limit: 10, order: 'descending' }), byteOrder([a.id, b.id, c.id, d.id]).reverse());
      assert.deepEqual(await ids({ limit: 10, eventTypes: ['a.x'] }), byteOrder([a.id, c.id]));
      assert.deepEqual(await ids({ limit: 10, eventTypes: ['b.x', 'c.x'] }), byteOrder([b.id, d.id]));
      assert.deepEqual(await ids({ limit: 10, channel: 'us' }), byteOrder([c.id, d.id]));
      assert.deepEqual(await ids({ limit: 10, channel: 'eu', eventTypes: ['a.x'] }), byteOrder([a.id, c.id]));
      assert.deepEqual(await ids({ limit: 10, channel: 'nowhere' }), []);
      assert.deepEqual(await ids({ limit: 10, after: T0, before: T0 + 3 * SECOND }), byteOrder([b.id, c.id]), 'both bounds are exclusive');
      assert.deepEqual(await ids({ limit: 10, after: T0 + SECOND }), byteOrder([c.id, d.id]));
      assert.deepEqual(await ids({ limit: 10, before: T0 + SECOND }), [a.id]);
    }));

    test('listMessages pages through the filtered messages exactly once in both orders', withStore(async (store) => {
      const { app } = await seed(store);
      const wanted: string[] = [];
      for (let i = 0; i < 7; i++) {
        wanted.push((await accept(store, app.id, [], T0 + i * SECOND, { eventType: 'a.x' })).id);
        await accept(store, app.id, [], T0 + i * SECOND, { eventType: 'b.x' });
      }
      const list = (request: PageRequest) => store.listMessages(app.id, { ...request, eventTypes: ['a.x'] });
      const ascending = await walkPages(list, (m) => m.id, 3, 'ascending');
      assert.deepEqual(ascending.keys, byteOrder(wanted));
      assert.equal(ascending.pages.length, 3);
      const descending = await walkPages(list, (m) => m.id, 3, 'descending');
      assert.deepEqual(descending.keys, byteOrder(wanted).reverse());
      const back = await walkBack(list, (m) => m.id, ascending.pages.at(-1)!, 3, 'ascending');
      assert.deepEqual(back, ascending.pages.slice(0, -1).map((page) => page.data.map((m) => m.id)).reverse());
    }));

    test('listEndpointMessages shows each message with that endpoint delivery status, and filters on it', withStore(async (store) => {
      const { app, endpoints: [endpoint, other] } = await seed(store, 2);
      const delivered = await accept(store, app.id, [endpoint!.id], T0);
      const failed = await accept(store, app.id, [endpoint!.id, other!.id], T0);
      await accept(store, app.id, [other!.id], T0);
      const claimed = await claimByMessage(store, T0, LEASE);
      await applyResults(store, [
        result(claimed.get(`${delivered.id}/${endpoint!.id}`)!, { kind: 'success' }, T0 + SECOND),
        result(claimed.get(`${failed.id}/${endpoint!.id}`)!, { kind: 'failed' }, T0 + SECOND),
      ], T0 + SECOND);
      const waiting = await accept(store, app.id, [endpoint!.id], T0 + 2 * SECOND);

      const all = await store.listEndpointMessages(app.id, endpoint!.id, { limit: 10, order: 'ascending' });
      const byId = new Map(all.data.map((item) => [item.message.id, item]));
      assert.deepEqual(byteOrder([...byId.keys()]), byteOrder([delivered.id, failed.id, waiting.id]), 'only this endpoint\'s messages');
      assert.deepEqual(all.data.map((item) => item.message.id), byteOrder([delivered.id, failed.id, waiting.id]));
      assert.deepEqual(byId.get(delivered.id)!.message, delivered);
      assert.equal(byId.get(delivered.id)!.status, MessageStatus.Success);
      assert.equal(byId.get(delivered.id)!.nextAttemptAt, null);
      assert.equal(byId.get(failed.id)!.status, MessageStatus.Fail);
      assert.equal(byId.get(failed.id)!.nextAttemptAt, null);
      assert.equal(byId.get(waiting.id)!.status, MessageStatus.Pending);
      assert.equal(byId.get(waiting.id)!.nextAttemptAt, T0 + 2 * SECOND);

      const onlyFailed = await store.listEndpointMessages(app.id, endpoint!.id, { limit: 10, status: MessageStatus.Fail });
      assert.deepEqual(onlyFailed.data.map((item) => item.message.id), [failed.id]);
      const otherView = await store.listEndpointMessages(app.id, other!.id, { limit: 10, status: MessageStatus.Sending });
      assert.equal(otherView.data.length, 2, 'the same message is still being sent to the other endpoint');
    }));

    test('listMessageDestinations shows every endpoint a message goes to, each with its own status', withStore(async (store) => {
      const { app, endpoints: [ok, retrying, untouched] } = await seed(store, 3);
      const msg = await accept(store, app.id, [ok!.id, retrying!.id], T0);
      const claimed = await claimByMessage(store, T0, LEASE);
      await applyResults(store, [
        result(claimed.get(`${msg.id}/${ok!.id}`)!, { kind: 'success' }, T0 + SECOND),
        result(claimed.get(`${msg.id}/${retrying!.id}`)!, { kind: 'retry', nextAttemptAt: T0 + MINUTE }, T0 + SECOND),
      ], T0 + SECOND);
      const page = await store.listMessageDestinations(app.id, msg.id, { limit: 10 });
      const byEndpoint = new Map<string, MessageDestination>(page.data.map((d) => [d.endpoint.id, d]));
      assert.equal(byEndpoint.size, 2);
      assert.equal(byEndpoint.has(untouched!.id), false);
      assert.equal(byEndpoint.get(ok!.id)!.endpoint.url, ok!.url);
      assert.equal(byEndpoint.get(ok!.id)!.status, MessageStatus.Success);
      assert.equal(byEndpoint.get(ok!.id)!.nextAttemptAt, null);
      assert.equal(byEndpoint.get(retrying!.id)!.status, MessageStatus.Pending);
      assert.equal(byEndpoint.get(retrying!.id)!.nextAttemptAt, T0 + MINUTE);
      const other = await store.createApplication(newApplication(), T0);
      assert.deepEqual((await store.listMessageDestinations(other.id, msg.id, { limit: 10 })).data, [], 'not through another application');
    }));
  });

}
