import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_ADMIN_TOKEN } from '@herald/testing';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { PostgresCluster } from './support/postgres-cluster.ts';

const database = await postgresTestDatabase();

if (database) {
  const cluster = new PostgresCluster(database.url, { HERALD_RATE_LIMIT: '60/m' });
  after(() => cluster.stopAll());

  // Per-process buckets gave each of the three processes the whole budget: 180 of these 300
  // requests were accepted. Shared, the three together accept the budget, plus what refilled
  // (1 a second) while the test ran, minus at most what a process leased and did not spend.
  test('three API processes on one database share one token\'s budget instead of granting it three times', async () => {
    const processes = await Promise.all([cluster.spawn('api'), cluster.spawn('api'), cluster.spawn('api')]);
    const started = performance.now();
    const statuses: number[] = [];
    for (let round = 0; round < 10; round++) {
      const batch = Array.from({ length: 30 }, (_, i) => fetch(`${processes[i % 3]!.url}/api/v1/app`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })
        .then(async (response) => {
          await response.arrayBuffer();
          return response.status;
        }));
      statuses.push(...await Promise.all(batch));
    }
    const elapsedSeconds = (performance.now() - started) / 1_000;
    const accepted = statuses.filter((status) => status === 200).length;
    const refused = statuses.filter((status) => status === 429).length;
    assert.equal(accepted + refused, 300, `every request is either served or refused with 429 (got ${JSON.stringify(statuses.filter((s) => s !== 200 && s !== 429))})`);
    const ceiling = 60 + Math.ceil(elapsedSeconds) + 1;
    assert.ok(accepted <= ceiling, `at most the budget of 60 plus ${Math.ceil(elapsedSeconds)} refilled were accepted across three processes (got ${accepted})`);
    assert.ok(accepted >= 50, `close to the budget was accepted, not a third of it (got ${accepted})`);
  });
}
