import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeraldError, newId } from '@herald/core';
import { newSourceToken, type NewInboundRequest, type RecordedInboundRequest } from '@herald/storage';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { PostgresStore } from '../src/postgres-store.ts';

// What only a shared database has to get right: several API processes recording the same provider
// delivery at once, and several routers claiming at once.

const T0 = 1_700_000_000_000;
const LEASE = 30_000;

const database = await postgresTestDatabase();

function request(sourceId: string, at: number, dedupeKey: string | null): NewInboundRequest {
  return {
    id: newId('inreq', at), sourceId, receivedAt: at, method: 'POST', path: '/in/t', query: '', headers: {},
    body: Buffer.from('{}'), sourceIp: '127.0.0.1', verdict: 'accepted', rejectReason: null, dedupeKey, eventType: 'e',
  };
}

async function withStores(count: number, body: (stores: PostgresStore[], sourceId: string) => Promise<void>): Promise<void> {
  const schema = await database!.createSchema();
  const stores = Array.from({ length: count }, () => new PostgresStore({ connectionString: database!.url, schema, poolSize: 4 }));
  try {
    await stores[0]!.migrate();
    const source = await stores[0]!.createSource({
      id: newId('src'), uid: null, name: 'S', type: 'github', config: {}, metadata: {}, appId: newId('app'), disabled: false,
      allowedCidrs: null, rateLimit: null, response: null, dedupe: null,
    }, newSourceToken(newId('tok')), T0);
    await body(stores, source.id);
  } finally {
    await Promise.all(stores.map((store) => store.close()));
    await database!.dropSchema(schema);
  }
}

if (database) {
  test('the same provider delivery recorded by several processes at once is accepted exactly once', () =>
    withStores(3, async (stores, sourceId) => {
      for (let round = 0; round < 20; round++) {
        const key = `delivery-${round}`;
        // Each process's batch holds the repeat among requests of its own, so the whole batch is at stake.
        const batches = stores.map((_, i) => [request(sourceId, T0 + round, `own-${round}-${i}`), request(sourceId, T0 + round, key)]);
        const results = await Promise.all(stores.map((store, i) => store.recordInboundRequests(batches[i]!, T0 + round)));
        const recorded = results.flat().map((result) => {
          assert.ok(!(result instanceof HeraldError), `nothing fails: ${String(result)}`);
          return result as RecordedInboundRequest;
        });
        const ofKey = recorded.filter((_, index) => index % 2 === 1);
        const accepted = ofKey.filter((r) => r.verdict === 'accepted');
        assert.equal(accepted.length, 1, `round ${round}: one original`);
        assert.deepEqual(ofKey.filter((r) => r.verdict === 'duplicate').map((r) => r.duplicateOf), [accepted[0]!.id, accepted[0]!.id]);
        assert.equal(recorded.filter((_, index) => index % 2 === 0).every((r) => r.verdict === 'accepted'), true);
        assert.equal((await stores[0]!.getInboundRequest(sourceId, accepted[0]!.id))?.duplicates, 2, 'every repeat is counted');
      }
    }));

  test('routers claiming at once never hold the same request, and together route every one', () =>
    withStores(3, async (stores, sourceId) => {
      const batch = Array.from({ length: 120 }, (_, i) => request(sourceId, T0 + i, null));
      await stores[0]!.recordInboundRequests(batch, T0 + 200);
      const seen = new Map<string, number>();
      await Promise.all(stores.map(async (store) => {
        for (;;) {
          const claimed = await store.claimInboundRequests(7, LEASE, T0 + 1_000);
          if (claimed.length === 0) return;
          for (const c of claimed) {
            seen.set(c.request.id, (seen.get(c.request.id) ?? 0) + 1);
            assert.equal(await store.completeInboundRouting({ requestId: c.request.id, fence: c.fence, round: c.round, outcomes: [] }, T0 + 1_000), true);
          }
        }
      }));
      assert.equal(seen.size, batch.length, 'every request was routed');
      assert.ok([...seen.values()].every((n) => n === 1), 'none twice');
    }));
}
