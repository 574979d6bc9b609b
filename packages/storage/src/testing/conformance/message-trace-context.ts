import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { T0, LEASE, seed, accept, type WithStore } from './fixtures.ts';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

export function messageTraceContextSuite(withStore: WithStore): void {
  describe('message trace context', () => {
    test('a message\'s traceparent comes back with each of its claimed deliveries, and a message without one has none',
      withStore(async (store) => {
        const { app, endpoints: [endpoint] } = await seed(store);
        const traced = await accept(store, app.id, [endpoint!.id], T0, { traceparent: TRACEPARENT });
        const plain = await accept(store, app.id, [endpoint!.id], T0);
        const claimed = new Map((await store.claimDeliveries(10, LEASE, T0)).map((delivery) => [delivery.message.id, delivery]));
        assert.equal(claimed.get(traced.id)?.message.traceparent, TRACEPARENT);
        assert.ok(claimed.has(plain.id));
        assert.equal('traceparent' in claimed.get(plain.id)!.message, false, 'absent, not null, when tracing was off');
        assert.equal((await store.getMessage(app.id, plain.id))?.traceparent, undefined);
      }));
  });
}
