import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiClient, type ApiCall, type TestHerald } from '@herald/testing';
import { storageModes } from './support/storage-modes.ts';

/** Svix's message tags, in both storage modes: returned with the message, and `list?tag=` filters by them. */
const modes = await storageModes();

for (const mode of modes) {
  describe(`message tags (${mode.name})`, () => {
    let herald: TestHerald;
    let call: ApiCall;
    before(async () => {
      herald = await mode.start({ HERALD_DELIVERY_THREAD: 'false' });
      call = apiClient(herald.url, herald.token);
    });
    after(() => herald.stop());

    test('tags come back on create, get and list, and list?tag= returns only the messages carrying that tag', async () => {
      const app = (await call('POST', '/app', { name: 'tags' })).body.id as string;
      const send = (tags?: string[]) => call('POST', `/app/${app}/msg`, { eventType: 'order.paid', payload: {}, ...(tags ? { tags } : {}) });
      const first = await send(['order/1', 'vip']);
      assert.equal(first.status, 202, JSON.stringify(first.body));
      assert.deepEqual(first.body.tags, ['order/1', 'vip']);
      const second = (await send(['order/1'])).body;
      const untagged = (await send()).body;
      assert.equal(untagged.tags, null);
      assert.deepEqual((await call('GET', `/app/${app}/msg/${first.body.id}`)).body.tags, ['order/1', 'vip']);
      const listed = async (tag: string) => (await call('GET', `/app/${app}/msg?tag=${encodeURIComponent(tag)}`)).body.data.map((m: { id: string }) => m.id);
      assert.deepEqual(await listed('order/1'), [second.id, first.body.id]);
      assert.deepEqual(await listed('vip'), [first.body.id]);
      assert.deepEqual(await listed('nobody'), []);
      assert.equal((await call('GET', `/app/${app}/msg`)).body.data.length, 3, 'without the filter, every message');
      for (const tags of [['a b'], ['x', 'y', 'z', 'u', 'v', 'w'], ['é']]) {
        assert.equal((await send(tags)).status, 422, JSON.stringify(tags));
      }
    });
  });
}
