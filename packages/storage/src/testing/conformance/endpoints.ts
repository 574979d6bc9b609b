import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Endpoint } from '@herald/core';
import type { PageRequest } from '../../pagination.ts';
import { T0, SECOND, MINUTE, LEASE, SECRET_A, SECRET_B, byteOrder, isConflict, newApplication, newEndpoint, seed, accept, walkPages, type WithStore } from './fixtures.ts';

export function endpointsSuite(withStore: WithStore): void {
  describe('endpoints', () => {
    test('a created endpoint is returned with its fields and can be read by id and by uid in its application', withStore(async (store) => {
      const app = await store.createApplication(newApplication(), T0);
      const input = newEndpoint(app.id, {
        uid: 'main', url: 'https://example.com/hook', description: 'Main', eventTypes: ['a.one'], channels: ['eu'],
        headers: { 'x-team': 'payments' }, throttleRate: 10, metadata: { k: 'v' }, version: 2,
      });
      const created = await store.createEndpoint(input, T0);
      const { secret: _secret, ...fields } = input;
      const expected: Endpoint = { ...fields, failingSince: null, createdAt: T0, updatedAt: T0 };
      assert.deepEqual(created, expected);
      assert.deepEqual(await store.getEndpoint(app.id, input.id), expected);
      assert.deepEqual(await store.getEndpoint(app.id, 'main'), expected);
      assert.deepEqual(await store.allEndpoints(app.id), [expected]);
    }));

    test('an endpoint is not found through another application', withStore(async (store) => {
      const { endpoints: [endpoint] } = await seed(store);
      const other = await store.createApplication(newApplication(), T0);
      assert.equal(await store.getEndpoint(other.id, endpoint!.id), undefined);
      assert.equal(await store.getEndpoint(other.id, endpoint!.uid!), undefined);
      assert.deepEqual(await store.allEndpoints(other.id), []);
      assert.equal(await store.deleteEndpoint(other.id, endpoint!.id), false);
    }));

    test('endpoint uids are unique within an application but may repeat across applications', withStore(async (store) => {
      const first = await store.createApplication(newApplication(), T0);
      const second = await store.createApplication(newApplication(), T0);
      await store.createEndpoint(newEndpoint(first.id, { uid: 'main' }), T0);
      await assert.rejects(store.createEndpoint(newEndpoint(first.id, { uid: 'main' }), T0), isConflict);
      await store.createEndpoint(newEndpoint(second.id, { uid: 'main' }), T0);
      await store.createEndpoint(newEndpoint(first.id, { uid: null }), T0);
      await store.createEndpoint(newEndpoint(first.id, { uid: null }), T0);
      assert.equal((await store.allEndpoints(first.id)).length, 3);
      const other = await store.createEndpoint(newEndpoint(first.id, { uid: 'other' }), T0);
      await assert.rejects(store.updateEndpoint(first.id, other.id, { uid: 'main' }, T0 + 1), isConflict);
    }));

    test('a new endpoint secret is returned by getEndpointSecrets as the current key', withStore(async (store) => {
      const app = await store.createApplication(newApplication(), T0);
      const endpoint = await store.createEndpoint(newEndpoint(app.id, { secret: SECRET_A }), T0);
      assert.deepEqual(await store.getEndpointSecrets(endpoint.id, T0), [{ key: SECRET_A, expiresAt: null }]);
      assert.deepEqual(await store.getEndpointSecrets(endpoint.id, T0 + 365 * 24 * 60 * MINUTE), [{ key: SECRET_A, expiresAt: null }]);
    }));

    test('rotating a secret puts the new key first and keeps the old one until the grace period ends', withStore(async (store) => {
      const app = await store.createApplication(newApplication(), T0);
      const endpoint = await store.createEndpoint(newEndpoint(app.id, { secret: SECRET_A }), T0);
      await store.rotateEndpointSecret(endpoint.id, SECRET_B, MINUTE, T0 + SECOND);
      assert.deepEqual(await store.getEndpointSecrets(endpoint.id, T0 + 2 * SECOND), [
        { key: SECRET_B, expiresAt: null },
        { key: SECRET_A, expiresAt: T0 + SECOND + MINUTE },
      ]);
      assert.deepEqual(await store.getEndpointSecrets(endpoint.id, T0 + 2 * MINUTE), [{ key: SECRET_B, expiresAt: null }]);
    }));

    test('a claimed delivery carries every secret valid at the time of the claim', withStore(async (store) => {
      const app = await store.createApplication(newApplication(), T0);
      const endpoint = await store.createEndpoint(newEndpoint(app.id, { secret: SECRET_A }), T0);
      await store.rotateEndpointSecret(endpoint.id, SECRET_B, MINUTE, T0);
      await accept(store, app.id, [endpoint.id], T0);
      await accept(store, app.id, [endpoint.id], T0 + 2 * MINUTE);
      const [during] = await store.claimDeliveries(10, LEASE, T0 + SECOND);
      assert.deepEqual(during?.secrets.map((secret) => secret.key), [SECRET_B, SECRET_A]);
      const [after] = await store.claimDeliveries(10, LEASE, T0 + 2 * MINUTE);
      assert.deepEqual(after?.secrets.map((secret) => secret.key), [SECRET_B]);
    }));

    test('updating an endpoint changes the given fields, and allEndpoints sees the change', withStore(async (store) => {
      const app = await store.createApplication(newApplication(), T0);
      const endpoint = await store.createEndpoint(newEndpoint(app.id), T0);
      assert.equal((await store.allEndpoints(app.id))[0]?.url, endpoint.url);
      const updated = await store.updateEndpoint(app.id, endpoint.id,
        { url: 'https://example.com/new', eventTypes: ['a.one'], channels: null, disabled: true }, T0 + SECOND);
      assert.deepEqual(updated, { ...endpoint, url: 'https://example.com/new', eventTypes: ['a.one'], disabled: true, updatedAt: T0 + SECOND });
      assert.deepEqual(await store.getEndpoint(app.id, endpoint.id), updated);
      assert.deepEqual(await store.allEndpoints(app.id), [updated]);
      assert.deepEqual(await store.getEndpointSecrets(endpoint.id, T0 + SECOND), [{ key: SECRET_A, expiresAt: null }], 'the secret is kept');
    }));

    test('deleting an endpoint removes it with its queued deliveries', withStore(async (store) => {
      const { app, endpoints: [endpoint, kept] } = await seed(store, 2);
      await accept(store, app.id, [endpoint!.id, kept!.id], T0);
      assert.equal((await store.allEndpoints(app.id)).length, 2);
      assert.equal(await store.deleteEndpoint(app.id, endpoint!.id), true);
      assert.equal(await store.getEndpoint(app.id, endpoint!.id), undefined);
      assert.deepEqual((await store.allEndpoints(app.id)).map((ep) => ep.id), [kept!.id]);
      assert.deepEqual((await store.listEndpoints(app.id, { limit: 10 })).data.map((ep) => ep.id), [kept!.id]);
      assert.equal((await store.queueStats(T0)).depth, 1);
      assert.deepEqual((await store.claimDeliveries(10, LEASE, T0)).map((claimed) => claimed.endpoint.id), [kept!.id]);
      assert.equal(await store.deleteEndpoint(app.id, endpoint!.id), false);
    }));

    test('listing endpoints pages through one application only, in both orders', withStore(async (store) => {
      const { app, endpoints } = await seed(store, 5);
      await seed(store, 2);
      const list = (request: PageRequest) => store.listEndpoints(app.id, request);
      const ids = byteOrder(endpoints.map((endpoint) => endpoint.id));
      const ascending = await walkPages(list, (endpoint) => endpoint.id, 2, 'ascending');
      assert.deepEqual(ascending.keys, ids);
      assert.equal(ascending.pages.length, 3);
      assert.deepEqual((await walkPages(list, (endpoint) => endpoint.id, 2, 'descending')).keys, [...ids].reverse());
      assert.deepEqual(byteOrder((await store.allEndpoints(app.id)).map((endpoint) => endpoint.id)), ids);
    }));
  });

}
