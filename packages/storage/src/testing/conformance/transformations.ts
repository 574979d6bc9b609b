import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HeraldError, newId } from '@herald/core';
import { T0, SECOND, newApplication, newEndpoint, type WithStore } from './fixtures.ts';

const isNotFound = (error: unknown) => error instanceof HeraldError && error.code === 'not_found';

export function transformationsSuite(withStore: WithStore): void {
  describe('endpoint transformations', () => {
    test('an endpoint has none until one is set; a change keeps the fields it leaves out', withStore(async (store) => {
      const app = await store.createApplication(newApplication(), T0);
      const endpoint = await store.createEndpoint(newEndpoint(app.id), T0);
      assert.equal(await store.getEndpointTransformation(endpoint.id), undefined);

      const code = 'function handler(webhook) {\n  webhook.payload.seen = "✓";\n  return webhook;\n}';
      assert.deepEqual(await store.setEndpointTransformation(endpoint.id, { code }, T0 + SECOND), { code, enabled: false, updatedAt: T0 + SECOND });
      assert.deepEqual(await store.setEndpointTransformation(endpoint.id, { enabled: true }, T0 + 2 * SECOND), { code, enabled: true, updatedAt: T0 + 2 * SECOND });
      assert.deepEqual(await store.getEndpointTransformation(endpoint.id), { code, enabled: true, updatedAt: T0 + 2 * SECOND });
      assert.deepEqual(await store.setEndpointTransformation(endpoint.id, { code: null }, T0 + 3 * SECOND), { code: null, enabled: true, updatedAt: T0 + 3 * SECOND });
    }));

    test('each endpoint has its own, and it goes with its endpoint', withStore(async (store) => {
      const app = await store.createApplication(newApplication(), T0);
      const one = await store.createEndpoint(newEndpoint(app.id), T0);
      const two = await store.createEndpoint(newEndpoint(app.id), T0);
      await store.setEndpointTransformation(one.id, { code: 'one', enabled: true }, T0);
      assert.equal(await store.getEndpointTransformation(two.id), undefined);
      assert.ok(await store.deleteEndpoint(app.id, one.id));
      assert.equal(await store.getEndpointTransformation(one.id), undefined);
      const again = await store.setEndpointTransformation(two.id, { enabled: true }, T0);
      assert.deepEqual(again, { code: null, enabled: true, updatedAt: T0 });
    }));

    test('setting one on an endpoint that does not exist is not found', withStore(async (store) => {
      await assert.rejects(store.setEndpointTransformation(newId('ep'), { code: 'x' }, T0), isNotFound);
    }));
  });
}
