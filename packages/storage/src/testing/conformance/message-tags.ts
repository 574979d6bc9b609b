import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { T0, SECOND, LEASE, byteOrder, seed, accept, type WithStore } from './fixtures.ts';

export function messageTagsSuite(withStore: WithStore): void {
  describe('message tags', () => {
    test('tags are stored and read back with the message, and a list filters by one tag', withStore(async (store) => {
      const { app, endpoints: [endpoint] } = await seed(store);
      const { app: other } = await seed(store);
      const paid = await accept(store, app.id, [endpoint!.id], T0, { tags: ['order/1', 'vip'] });
      const shipped = await accept(store, app.id, [], T0 + SECOND, { tags: ['order/1'] });
      const plain = await accept(store, app.id, [], T0 + 2 * SECOND);
      const foreign = await accept(store, other.id, [], T0, { tags: ['vip'] });
      assert.deepEqual((await store.getMessage(app.id, paid.id))?.tags, ['order/1', 'vip']);
      assert.equal((await store.getMessage(app.id, plain.id))?.tags, null);
      const tagged = async (tag: string) => byteOrder((await store.listMessages(app.id, { limit: 10, tag })).data.map((m) => m.id));
      assert.deepEqual(await tagged('order/1'), byteOrder([paid.id, shipped.id]));
      assert.deepEqual(await tagged('vip'), [paid.id], 'only this application\'s messages');
      assert.deepEqual(await tagged('order'), [], 'a whole tag, not a prefix');
      assert.deepEqual((await store.listMessages(app.id, { limit: 10 })).data.length, 3);
      assert.ok(foreign);
      const [claimed] = await store.claimDeliveries(10, LEASE, T0);
      assert.deepEqual(claimed?.message, paid, 'a claimed message carries its tags too');
    }));
  });
}
