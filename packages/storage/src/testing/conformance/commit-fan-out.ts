import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { storedPayloadFilter } from '@herald/core';
import { byteOrder, T0, newEndpoint, newMessage, seed, type WithStore } from './fixtures.ts';

/** A message that names no endpoints goes to its subscribers, as read inside the committing transaction. */
export function commitFanOutSuite(withStore: WithStore): void {
  describe('fan-out at commit', () => {
    test('a message naming no endpoints reaches exactly the endpoints of its application subscribed to it', withStore(async (store) => {
      const { app, endpoints: [all] } = await seed(store);
      const other = await store.createEndpoint(newEndpoint(app.id, { eventTypes: ['user.created'] }), T0);
      const paid = await store.createEndpoint(newEndpoint(app.id, { eventTypes: ['order.paid'], channels: ['eu'] }), T0);
      await store.createEndpoint(newEndpoint(app.id, { disabled: true }), T0);
      await seed(store); // another application's endpoint
      const inEu = newMessage(app.id, T0, { channels: ['eu', 'us'] });
      const noChannel = newMessage(app.id, T0);
      assert.deepEqual(await store.createMessages([{ message: inEu }, { message: noChannel }], T0), [null, null]);
      const destinations = async (msgId: string) =>
        byteOrder((await store.listMessageDestinations(app.id, msgId, { limit: 10 })).data.map((d) => d.endpoint.id));
      assert.deepEqual(await destinations(inEu.id), byteOrder([all!.id, paid.id]));
      assert.deepEqual(await destinations(noChannel.id), [all!.id], 'an endpoint with channels wants a message in one of them');
      assert.ok(other);
      assert.equal((await store.queueStats(T0)).depth, 3);
    }));

    test('an endpoint created just before the commit is in the fan-out, and named endpoints are kept as named', withStore(async (store) => {
      const { app, endpoints: [first] } = await seed(store);
      const message = newMessage(app.id, T0);
      const late = await store.createEndpoint(newEndpoint(app.id), T0);
      const named = newMessage(app.id, T0);
      assert.deepEqual(await store.createMessages([{ message }, { message: named, endpointIds: [first!.id] }], T0), [null, null]);
      const ids = async (msgId: string) => byteOrder((await store.listMessageDestinations(app.id, msgId, { limit: 10 })).data.map((d) => d.endpoint.id));
      assert.deepEqual(await ids(message.id), byteOrder([first!.id, late.id]));
      assert.deepEqual(await ids(named.id), [first!.id]);
    }));

    test('a payload filter is judged at commit: a missing field, a mismatch or a payload that is not JSON is no match', withStore(async (store) => {
      const { app, endpoints: [all] } = await seed(store);
      const large = await store.createEndpoint(newEndpoint(app.id, { filter: storedPayloadFilter({ total: { $gte: 10_000 } }) }), T0);
      const messages = {
        big: newMessage(app.id, T0, { payload: '{"total":25000}' }),
        small: newMessage(app.id, T0, { payload: '{"total":500}' }),
        missing: newMessage(app.id, T0, { payload: '{"note":"none"}' }),
        text: newMessage(app.id, T0, { payload: '"25000"' }),
      };
      assert.deepEqual(await store.createMessages(Object.values(messages).map((message) => ({ message })), T0), [null, null, null, null]);
      const ids = async (msgId: string) => byteOrder((await store.listMessageDestinations(app.id, msgId, { limit: 10 })).data.map((d) => d.endpoint.id));
      assert.deepEqual(await ids(messages.big.id), byteOrder([all!.id, large.id]));
      for (const message of [messages.small, messages.missing, messages.text]) assert.deepEqual(await ids(message.id), [all!.id]);
    }));
  });
}
