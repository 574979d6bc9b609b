import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { T0, SECOND, LEASE, accept, newApplication, newEndpoint, seed, type WithStore } from './fixtures.ts';

/** What the inbound gateway added to endpoints (filter, forwardHeaders) and messages (headers). */
export function inboundFieldsSuite(withStore: WithStore): void {
  describe('endpoint filters and forwarded headers, message headers', () => {
    test('an endpoint keeps its filter and forwarded header names, through create, update and clearing', withStore(async (store) => {
      const app = await store.createApplication(newApplication(), T0);
      const filter = { body: { action: { $in: ['opened', 'closed'] }, pull_request: { draft: false } }, headers: { 'x-github-event': 'pull_request' } };
      const created = await store.createEndpoint(newEndpoint(app.id, { filter, forwardHeaders: ['x-github-event', 'x-github-delivery'] }), T0);
      assert.deepEqual(created.filter, filter);
      assert.deepEqual(created.forwardHeaders, ['x-github-event', 'x-github-delivery']);
      assert.deepEqual((await store.getEndpoint(app.id, created.id))?.filter, filter);
      assert.deepEqual((await store.allEndpoints(app.id))[0]?.forwardHeaders, ['x-github-event', 'x-github-delivery']);

      const updated = await store.updateEndpoint(app.id, created.id, { filter: { body: { ref: { $startsWith: 'refs/tags/' } } } }, T0 + SECOND);
      assert.deepEqual(updated.filter, { body: { ref: { $startsWith: 'refs/tags/' } } });
      assert.deepEqual(updated.forwardHeaders, ['x-github-event', 'x-github-delivery'], 'what the update did not name is kept');
      const cleared = await store.updateEndpoint(app.id, created.id, { filter: null, forwardHeaders: null }, T0 + 2 * SECOND);
      assert.equal(cleared.filter ?? null, null);
      assert.equal(cleared.forwardHeaders ?? null, null);
      assert.equal((await store.allEndpoints(app.id))[0]?.filter ?? null, null);
    }));

    test('an endpoint without them looks as endpoints always have', withStore(async (store) => {
      const { endpoints: [endpoint] } = await seed(store);
      assert.equal('filter' in endpoint!, false);
      assert.equal('forwardHeaders' in endpoint!, false);
    }));

    test('a message keeps its headers and hands them to the delivery that sends it', withStore(async (store) => {
      const { app, endpoints: [endpoint] } = await seed(store);
      const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-github-event': 'push' };
      const message = await accept(store, app.id, [endpoint!.id], T0, { headers, payload: 'a=1&b=%20' });
      assert.deepEqual((await store.getMessage(app.id, message.id))?.headers, headers);
      const [claimed] = await store.claimDeliveries(10, LEASE, T0);
      assert.deepEqual(claimed?.message, message);
      const plain = await accept(store, app.id, [endpoint!.id], T0 + 1);
      assert.equal('headers' in (await store.getMessage(app.id, plain.id))!, false, 'a message without headers has none');
    }));
  });
}
