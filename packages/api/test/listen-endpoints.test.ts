import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { newId } from '@herald/core';
import { SqliteStore } from '@herald/storage-sqlite';
import pino from 'pino';
import { loadConfig, startHerald } from '@herald/server';
import { TEST_ADMIN_TOKEN, eventually, tempDir, testEnv } from '@herald/testing';
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

test('Herald sweeps a crashed session\'s expired listen endpoint when it starts', async () => {
  const dataDir = tempDir('herald-listen-restart-');
  try {
    const crashed = new SqliteStore({ path: join(dataDir.path, 'herald.db'), synchronous: 'NORMAL' });
    await crashed.migrate();
    const now = Date.now();
    const app = await crashed.createApplication({ id: newId('app'), uid: 'shop', name: 'shop', throttleRate: null, metadata: {} }, now);
    await createListenEndpoint(crashed, app, 'http://127.0.0.1:8071', 'left-behind', null, now - LISTEN_LEASE_MS - 1);
    const live = await createListenEndpoint(crashed, app, 'http://127.0.0.1:8071', 'still-leased', null, now);
    await crashed.close();

    const herald = await startHerald(loadConfig(testEnv(dataDir.path)), pino({ level: 'silent' }));
    try {
      const listed = await eventually(async () => {
        const response = await fetch(`${herald.url}/api/v1/app/shop/endpoint`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
        const ids = ((await response.json()) as { data: Array<{ id: string }> }).data.map((endpoint) => endpoint.id);
        return ids.length === 1 ? ids : undefined;
      }, 5_000, 'the sweep');
      assert.deepEqual(listed, [live.endpoint.id]);
    } finally {
      await herald.stop();
    }
  } finally {
    dataDir.remove();
  }
});
