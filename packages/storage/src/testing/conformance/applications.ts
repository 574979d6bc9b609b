import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newId, type Application } from '@herald/core';
import type { PageRequest } from '../../pagination.ts';
import { T0, SECOND, LEASE, byteOrder, isConflict, newApplication, seed, createApplications, accept, walkPages, walkBack, type WithStore } from './fixtures.ts';

export function applicationsSuite(withStore: WithStore): void {
  describe('applications', () => {
    test('a created application is returned with its times and can be read back by id and by uid', withStore(async (store) => {
      const input = newApplication({ uid: 'shop', name: 'Shop', throttleRate: 5, metadata: { team: 'payments' } });
      const created = await store.createApplication(input, T0);
      const expected: Application = { ...input, createdAt: T0, updatedAt: T0 };
      assert.deepEqual(created, expected);
      assert.deepEqual(await store.getApplication(input.id), expected);
      assert.deepEqual(await store.getApplication('shop'), expected);
      assert.equal(await store.getApplication('nope'), undefined);
      assert.equal(await store.getApplication(newId('app')), undefined);
    }));

    test('applications without a uid do not conflict with each other', withStore(async (store) => {
      await store.createApplication(newApplication({ uid: null }), T0);
      await store.createApplication(newApplication({ uid: null }), T0);
      assert.equal((await store.listApplications({ limit: 10 })).data.length, 2);
    }));

    test('a second application with the same uid is a conflict', withStore(async (store) => {
      await store.createApplication(newApplication({ uid: 'shop' }), T0);
      await assert.rejects(store.createApplication(newApplication({ uid: 'shop' }), T0), isConflict);
      assert.equal((await store.listApplications({ limit: 10 })).data.length, 1, 'the loser was not stored');
    }));

    test('updating an application changes only the given fields and its updatedAt', withStore(async (store) => {
      const app = await store.createApplication(newApplication({ uid: 'shop', name: 'Shop', metadata: { a: 'b' } }), T0);
      const renamed = await store.updateApplication(app.id, { name: 'Shop 2', throttleRate: 7 }, T0 + SECOND);
      assert.deepEqual(renamed, { ...app, name: 'Shop 2', throttleRate: 7, updatedAt: T0 + SECOND });
      assert.deepEqual(await store.getApplication(app.id), renamed);
    }));

    test('changing an application uid makes it findable by the new uid and no longer by the old', withStore(async (store) => {
      const app = await store.createApplication(newApplication({ uid: 'old' }), T0);
      assert.equal((await store.getApplication('old'))?.id, app.id);
      await store.updateApplication(app.id, { uid: 'new' }, T0 + 1);
      assert.equal(await store.getApplication('old'), undefined);
      assert.equal((await store.getApplication('new'))?.id, app.id);
    }));

    test('updating an application to a uid another one has is a conflict', withStore(async (store) => {
      await store.createApplication(newApplication({ uid: 'taken' }), T0);
      const other = await store.createApplication(newApplication({ uid: 'mine' }), T0);
      await assert.rejects(store.updateApplication(other.id, { uid: 'taken' }, T0 + 1), isConflict);
      assert.equal((await store.getApplication(other.id))?.uid, 'mine');
    }));

    test('deleting an application removes it, and deleting it again reports false', withStore(async (store) => {
      const app = await store.createApplication(newApplication({ uid: 'shop' }), T0);
      assert.equal((await store.getApplication('shop'))?.id, app.id);
      assert.equal(await store.deleteApplication(app.id), true);
      assert.equal(await store.getApplication(app.id), undefined);
      assert.equal(await store.getApplication('shop'), undefined);
      assert.equal(await store.deleteApplication(app.id), false);
      await store.createApplication(newApplication({ uid: 'shop' }), T0 + 1);
      assert.notEqual(await store.getApplication('shop'), undefined, 'a deleted uid is free again');
    }));

    test('deleting an application deletes its endpoints, messages and queued deliveries', withStore(async (store) => {
      const { app, endpoints } = await seed(store, 2);
      const msg = await accept(store, app.id, endpoints.map((endpoint) => endpoint.id), T0);
      assert.equal((await store.queueStats(T0)).depth, 2);
      assert.equal(await store.deleteApplication(app.id), true);
      assert.equal(await store.getEndpoint(app.id, endpoints[0]!.id), undefined);
      assert.deepEqual(await store.allEndpoints(app.id), []);
      assert.equal(await store.getMessage(app.id, msg.id), undefined);
      assert.deepEqual(await store.queueStats(T0), { depth: 0, oldestDueAt: null });
      assert.deepEqual(await store.claimDeliveries(10, LEASE, T0), []);
    }));

    test('listing in ascending order walks every application exactly once, and only the last page is done', withStore(async (store) => {
      const ids = await createApplications(store, 7);
      const walk = await walkPages((request) => store.listApplications(request), (app) => app.id, 3, 'ascending');
      assert.deepEqual(walk.keys, byteOrder(ids));
      assert.equal(walk.pages.length, 3);
    }));

    test('listing in descending order walks every application exactly once, newest first', withStore(async (store) => {
      const ids = await createApplications(store, 7);
      const walk = await walkPages((request) => store.listApplications(request), (app) => app.id, 3, 'descending');
      assert.deepEqual(walk.keys, byteOrder(ids).reverse());
      assert.equal(walk.pages.length, 3);
    }));

    test('when the rows fill the last page exactly, that page is done', withStore(async (store) => {
      const ids = await createApplications(store, 6);
      for (const order of ['ascending', 'descending'] as const) {
        const walk = await walkPages((request) => store.listApplications(request), (app) => app.id, 3, order);
        assert.equal(walk.pages.length, 2, order);
        assert.equal(walk.keys.length, ids.length, order);
      }
    }));

    test('an empty list is a single done page', withStore(async (store) => {
      const page = await store.listApplications({ limit: 3 });
      assert.deepEqual(page.data, []);
      assert.equal(page.done, true);
    }));

    test('prevIterator walks back over the pages already seen, in both orders', withStore(async (store) => {
      await createApplications(store, 7);
      for (const order of ['ascending', 'descending'] as const) {
        const list = (request: PageRequest) => store.listApplications(request);
        const walk = await walkPages(list, (app) => app.id, 3, order);
        const pageKeys = walk.pages.map((page) => page.data.map((app) => app.id));
        const back = await walkBack(list, (app) => app.id, walk.pages.at(-1)!, 3, order);
        assert.deepEqual(back, pageKeys.slice(0, -1).reverse(), `${order}: each page back, in the list's own order`);
      }
    }));

    test('the iterator of a page continues right after its last row', withStore(async (store) => {
      const ids = byteOrder(await createApplications(store, 7));
      const second = await store.listApplications({ limit: 3, iterator: ids[2]!, order: 'ascending' });
      assert.deepEqual(second.data.map((app) => app.id), ids.slice(3, 6));
      assert.equal(second.iterator, ids[5]);
      assert.equal(second.prevIterator, '-' + ids[3]);
      const back = await store.listApplications({ limit: 3, iterator: second.prevIterator, order: 'ascending' });
      assert.deepEqual(back.data.map((app) => app.id), ids.slice(0, 3));
    }));
  });

}
