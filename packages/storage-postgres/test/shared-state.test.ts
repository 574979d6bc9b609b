import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { PostgresStore } from '../src/postgres-store.ts';
import { leaseRateLimitCredit, purgeIdleRateLimitBuckets } from '../src/queries/rate-limits.ts';
import { listRelayOrigins, registerRelayOrigin } from '../src/queries/relay-origins.ts';

const database = await postgresTestDatabase();

if (database) {
  test('a rate-limit lease takes whole tokens only, never more than the bucket holds, and concurrent leases never overdraw it', async () => {
    const schema = await database.createSchema();
    const store = new PostgresStore({ connectionString: database.url, schema, poolSize: 8 });
    try {
      await store.migrate();
      // 10 tokens an hour: nothing refills noticeably while the test runs.
      const bucket = { capacity: 10 * 3_600_000, requests: 10, perMs: 3_600_000 };
      const first = await leaseRateLimitCredit(store.pool, 'management:a', bucket, 3 * 3_600_000);
      assert.equal(first.granted, 3 * 3_600_000, 'a new bucket starts full');
      const leases = await Promise.all(Array.from({ length: 20 }, () => leaseRateLimitCredit(store.pool, 'management:a', bucket, 2 * 3_600_000)));
      const granted = leases.reduce((sum, lease) => sum + lease.granted, 0);
      assert.equal(granted, 7 * 3_600_000, 'the 7 tokens left, and no more, among 20 concurrent leases');
      for (const lease of leases) assert.equal(lease.granted % 3_600_000, 0, 'whole tokens only');
      assert.equal((await leaseRateLimitCredit(store.pool, 'management:b', bucket, 3_600_000)).granted, 3_600_000, 'another key has its own bucket');
      assert.equal(await purgeIdleRateLimitBuckets(store.pool), 0, 'buckets in use are kept');
      await store.pool.query('UPDATE rate_limit_buckets SET at = at - 7300000 WHERE key = $1', ['management:b']);
      assert.equal(await purgeIdleRateLimitBuckets(store.pool), 1, 'a bucket idle for two hours (full by then) is deleted');
    } finally {
      await store.close();
      await database.dropSchema(schema);
    }
  });

  test('relay origins are listed while renewed and forgotten once older than asked', async () => {
    const schema = await database.createSchema();
    const store = new PostgresStore({ connectionString: database.url, schema, poolSize: 2 });
    try {
      await store.migrate();
      await registerRelayOrigin(store.pool, 'http://127.0.0.1:8071', 1_000);
      await registerRelayOrigin(store.pool, 'http://10.0.0.5:8071', 5_000);
      await registerRelayOrigin(store.pool, 'http://127.0.0.1:8071', 500);
      assert.deepEqual((await listRelayOrigins(store.pool, 0)).sort(), ['http://10.0.0.5:8071', 'http://127.0.0.1:8071']);
      assert.deepEqual(await listRelayOrigins(store.pool, 2_000), ['http://10.0.0.5:8071'], 'an older renewal does not move it back');
    } finally {
      await store.close();
      await database.dropSchema(schema);
    }
  });
}
