import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { newId } from '@herald/core';
import { SqliteStore } from '@herald/storage-sqlite';
import { tempDir } from '@herald/testing';
import { LISTEN_LEASE_MS, createListenEndpoint, renewListenEndpoint, sweepExpiredListenEndpoints } from '../src/relay/listen-endpoints.ts';

const dir = tempDir('herald-listen-');
const store = new SqliteStore({ path: join(dir.path, 'herald.db'), synchronous: 'NORMAL' });
after(async () => {
  await store.close();
  dir.remove();
});

test("a listen endpoint whose session died with its Herald is swept once its lease runs out; live and ordinary endpoints stay", async () => {
  await store.migrate();
  const now = Date.UTC(2026, 0, 1);
  const app = await store.createApplication({ id: newId('app'), uid: null, name: 'shop', throttleRate: null, metadata: {} }, now);
  const origin = 'http://127.0.0.1:8071';
  const orphaned = await createListenEndpoint(store, app, origin, 'orphaned', null, now - LISTEN_LEASE_MS - 1);
  const renewed = await createListenEndpoint(store, app, origin, 'renewed', null, now - LISTEN_LEASE_MS - 1);
  await renewListenEndpoint(store, renewed.endpoint, now - 60_000);
  const fresh = await createListenEndpoint(store, app, origin, 'fresh', ['order.paid'], now);
  const ordinary = await store.createEndpoint({
    ...fresh.endpoint, id: newId('ep'), url: 'https://example.com/hook', metadata: { team: 'payments' }, secret: fresh.secret,
  }, now);

  assert.equal(orphaned.endpoint.url, `${origin}/relay/orphaned`);
  assert.equal(await sweepExpiredListenEndpoints(store, now), 1);
  const left = (await store.allEndpoints(app.id)).map((endpoint) => endpoint.id).sort();
  assert.deepEqual(left, [renewed.endpoint.id, fresh.endpoint.id, ordinary.id].sort());
  assert.equal(await sweepExpiredListenEndpoints(store, now + LISTEN_LEASE_MS + 1), 2, 'unrenewed, they expire too');
});
