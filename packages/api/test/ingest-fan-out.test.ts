import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newMessage } from '@herald/core';
import type { Store } from '@herald/storage';
import { newApplication, newEndpoint } from '@herald/storage/testing';
import { SqliteStore } from '@herald/storage-sqlite';
import { PostgresStore } from '@herald/storage-postgres';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { MessageIngest } from '../src/ingest.ts';

const T0 = 1_700_000_000_000;
const database = await postgresTestDatabase();

const stores: Array<[string, () => Promise<Store>]> = [
  ['SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-fan-out-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    return new SqliteStore({ path: join(dir, 'herald.db') });
  }],
  ...(database ? [['PostgreSQL', async () => new PostgresStore({ connectionString: database.url, schema: await database.createSchema(), poolSize: 4 })] as [string, () => Promise<Store>]] : []),
];

/**
 * The fan-out race: a message accepted while an endpoint is being created, and committed after that
 * creation committed, must reach the endpoint. The commit here is held back until an endpoint has
 * been created, which is the window a list read before the commit cannot see.
 */
for (const [name, open] of stores) {
  test(`${name}: a message committed after an endpoint's creation committed reaches it, however early it was submitted`, async () => {
    const store = await open();
    try {
      await store.migrate();
      const app = await store.createApplication(newApplication(), T0);
      const early = await store.createEndpoint(newEndpoint(app.id), T0);
      const created: string[] = [];
      const ingest = new MessageIngest({
        store,
        clock: () => T0,
        commit: async (batch, now) => {
          created.push((await store.createEndpoint(newEndpoint(app.id), now)).id);
          return store.createMessages(batch, now);
        },
      });
      const message = newMessage({ appId: app.id, eventType: 'order.paid', payload: '{}' }, T0);
      await ingest.submit(message);
      const destinations = (await store.listMessageDestinations(app.id, message.id, { limit: 10 })).data.map((d) => d.endpoint.id);
      assert.deepEqual(destinations.sort(), [early.id, ...created].sort());
    } finally {
      await store.close();
    }
  });
}
