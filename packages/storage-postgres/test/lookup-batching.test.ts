import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidDataError, UnavailableError, newId } from '@herald/core';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { PostgresStore } from '../src/postgres-store.ts';
import { LookupBatcher } from '../src/lookup-batcher.ts';

const T0 = 1_700_000_000_000;

test('a lookup asked for while a query is in flight gets a query of its own, sent after it was asked for', async () => {
  const fetches: Array<{ keys: string[]; answer: (rows: Map<string, string[]>) => void }> = [];
  const batcher = new LookupBatcher<string>((keys) => new Promise((resolve) => fetches.push({ keys, answer: resolve })));
  const first = batcher.load('app_1');
  const alsoFirst = batcher.load('app_1');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(fetches.length, 1);
  assert.deepEqual(fetches[0]!.keys, ['app_1'], 'one query per turn, each key once');

  const second = batcher.load('app_1'); // the first query is still in flight
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(fetches.length, 2, 'the in-flight query is not shared: its snapshot may predate this lookup');
  fetches[0]!.answer(new Map([['app_1', ['old']]]));
  fetches[1]!.answer(new Map([['app_1', ['new']]]));
  assert.deepEqual(await first, ['old']);
  assert.deepEqual(await alsoFirst, ['old']);
  assert.notEqual(await first, await alsoFirst, 'each caller gets rows of its own');
  assert.deepEqual(await second, ['new']);
});

test('an outage fails every lookup in its batch at once, and the next turn queries again', async () => {
  let calls = 0;
  const batcher = new LookupBatcher<string>(async () => {
    if (++calls === 1) throw new UnavailableError();
    return new Map([['k', ['row']]]);
  });
  const failures = await Promise.allSettled([batcher.load('k'), batcher.load('other')]);
  assert.deepEqual(failures.map((result) => result.status), ['rejected', 'rejected']);
  assert.equal(calls, 1, 'no key is retried alone during an outage');
  assert.deepEqual(await batcher.load('k'), ['row']);
  assert.deepEqual(await batcher.load('missing'), []);
});

test('a key the database refuses fails only its own callers: the others in its batch are answered', async () => {
  const fetched: string[][] = [];
  const batcher = new LookupBatcher<string>(async (keys) => {
    fetched.push(keys);
    if (keys.includes('bad')) throw new InvalidDataError();
    return new Map(keys.map((key) => [key, [`row of ${key}`]]));
  });
  const results = await Promise.allSettled([batcher.load('a'), batcher.load('bad'), batcher.load('b'), batcher.load('bad'), batcher.load('a')]);
  assert.deepEqual(results.map((result) => (result.status === 'fulfilled' ? result.value : (result.reason as Error).name)),
    [['row of a'], 'InvalidDataError', ['row of b'], 'InvalidDataError', ['row of a']]);
  assert.deepEqual(fetched[0], ['a', 'bad', 'b'], 'first asked together');
  assert.deepEqual(fetched.slice(1).sort(), [['a'], ['b'], ['bad']], 'then each key alone');
});

const database = await postgresTestDatabase();

if (database) {
  test('lookups made together are answered together, each with its own application and only its endpoints', async () => {
    const schema = await database.createSchema();
    const store = new PostgresStore({ connectionString: database.url, schema, poolSize: 2 });
    try {
      await store.migrate();
      const shop = await store.createApplication({ id: newId('app'), uid: 'shop', name: 'Shop', throttleRate: null, metadata: {} }, T0);
      const blog = await store.createApplication({ id: newId('app'), uid: 'blog', name: 'Blog', throttleRate: null, metadata: {} }, T0);
      const endpoint = (appId: string, url: string) => store.createEndpoint({
        id: newId('ep'), appId, uid: null, url, description: '', disabled: false, eventTypes: null, channels: null, headers: {},
        throttleRate: null, metadata: { tag: url }, version: 1, secret: 'whsec_' + 'A'.repeat(32),
      }, T0);
      const shopEndpoint = await endpoint(shop.id, 'https://shop.example/hook');
      const blogEndpoint = await endpoint(blog.id, 'https://blog.example/hook');

      const [byId, byUid, otherByUid, missing, shopEndpoints, blogEndpoints, shopAgain, noEndpoints] = await Promise.all([
        store.getApplication(shop.id), store.getApplication('shop'), store.getApplication('blog'), store.getApplication('nobody'),
        store.allEndpoints(shop.id), store.allEndpoints(blog.id), store.allEndpoints(shop.id), store.allEndpoints(newId('app')),
      ]);
      assert.equal(byId?.id, shop.id);
      assert.equal(byUid?.id, shop.id);
      assert.equal(otherByUid?.id, blog.id);
      assert.equal(missing, undefined);
      assert.deepEqual(shopEndpoints.map((e) => e.id), [shopEndpoint.id]);
      assert.deepEqual(blogEndpoints.map((e) => e.id), [blogEndpoint.id]);
      assert.deepEqual(noEndpoints, []);
      shopAgain[0]!.metadata.tag = 'changed by one caller';
      assert.equal(shopEndpoints[0]!.metadata.tag, 'https://shop.example/hook', 'callers never share objects');

      // A lookup after a commit sees it.
      const added = await endpoint(shop.id, 'https://shop.example/second');
      assert.deepEqual((await store.allEndpoints(shop.id)).map((e) => e.id).sort(), [shopEndpoint.id, added.id].sort());
      await store.updateApplication(shop.id, { uid: 'store' }, T0 + 1);
      assert.equal(await store.getApplication('shop'), undefined);
      assert.equal((await store.getApplication('store'))?.id, shop.id);
    } finally {
      await store.close();
      await database.dropSchema(schema);
    }
  });

  test('a NUL in a looked-up id fails that lookup with a 400 error, never the lookups of other tenants beside it', async () => {
    const schema = await database.createSchema();
    const store = new PostgresStore({ connectionString: database.url, schema, poolSize: 2 });
    try {
      await store.migrate();
      const shop = await store.createApplication({ id: newId('app'), uid: 'shop', name: 'Shop', throttleRate: null, metadata: {} }, T0);
      const results = await Promise.allSettled([
        store.getApplication('shop'), store.getApplication('sh\u0000op'), store.allEndpoints(shop.id), store.allEndpoints('app_\u0000'),
        store.getApplication(shop.id),
      ]);
      assert.deepEqual(results.map((result) => result.status), ['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
      for (const failed of [results[1], results[3]] as PromiseRejectedResult[]) {
        assert.ok(failed.reason instanceof InvalidDataError, String(failed.reason));
        assert.equal(failed.reason.status, 400);
      }
      assert.equal((results[0] as PromiseFulfilledResult<{ id: string } | undefined>).value?.id, shop.id);
    } finally {
      await store.close();
      await database.dropSchema(schema);
    }
  });
}
