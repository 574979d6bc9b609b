import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { MemoryDedupeStore, runOnce, type DedupeStore } from '@herald/receiver';
import { RedisDedupeStore } from '@herald/receiver/dedupe/redis';
import { PostgresDedupeStore } from '@herald/receiver/dedupe/postgres';

const runId = randomBytes(4).toString('hex');

/** Outside CI a server that is not running skips its store's tests; in CI it fails them. */
async function reachable(what: string, connect: () => Promise<unknown>): Promise<string | false> {
  try {
    await connect();
    return false;
  } catch (error) {
    if (process.env.CI === 'true') throw error;
    return `${what} not reachable`;
  }
}
const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
const skipRedis = await reachable('Redis', () => redis.connect());
const admin = new pg.Client({ host: '127.0.0.1', user: 'postgres', database: 'test' });
const skipPostgres = await reachable('Postgres', () => admin.connect());

/** What every store must do, against the real backend. `expire` waits until a lease of `leaseMs` has run out. */
function storeContract(store: () => DedupeStore, expire: () => Promise<void>, leaseMs: number): void {
  let sequence = 0;
  const freshId = () => `msg_${runId}_${++sequence}`;

  test('a claimed id is in progress for others, and done once completed', async () => {
    const id = freshId();
    const claim = await store().claim(id, 60_000);
    assert.equal(claim.status, 'claimed');
    assert.deepEqual(await store().claim(id, 60_000), { status: 'in-progress' });
    await store().complete(id, (claim as { token: string }).token, 60_000);
    assert.deepEqual(await store().claim(id, 60_000), { status: 'done' });
  });

  test('a released id can be claimed again, but only its owner can release or complete it', async () => {
    const id = freshId();
    const first = await store().claim(id, 60_000) as { status: 'claimed'; token: string };
    await store().release(id, 'someone-else');
    await store().complete(id, 'someone-else', 60_000);
    assert.deepEqual(await store().claim(id, 60_000), { status: 'in-progress' });
    await store().release(id, first.token);
    const second = await store().claim(id, 60_000);
    assert.equal(second.status, 'claimed');
    // The first owner, come back late, can no longer mark the id done.
    await store().complete(id, first.token, 60_000);
    assert.deepEqual(await store().claim(id, 60_000), { status: 'in-progress' });
  });

  test('an abandoned claim runs out after its lease, and a done mark after its retention', async () => {
    const id = freshId();
    assert.equal((await store().claim(id, leaseMs)).status, 'claimed');
    await expire();
    const retry = await store().claim(id, 60_000) as { status: 'claimed'; token: string };
    assert.equal(retry.status, 'claimed');
    await store().complete(id, retry.token, leaseMs);
    await expire();
    assert.equal((await store().claim(id, 60_000)).status, 'claimed');
  });

  test('of many concurrent claims of one id exactly one wins', async () => {
    const id = freshId();
    const results = await Promise.all(Array.from({ length: 20 }, () => store().claim(id, 60_000)));
    assert.equal(results.filter((result) => result.status === 'claimed').length, 1);
  });

  test('runOnce runs the handler once for concurrent deliveries, and again after a failure', async () => {
    const id = freshId();
    let calls = 0;
    await assert.rejects(runOnce({ store: store() }, id, () => { calls++; throw new Error('boom'); }), /boom/);
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => runOnce({ store: store() }, id, async () => {
      calls++;
      await sleep(20);
      return 'handled';
    })));
    assert.equal(outcomes.filter((outcome) => outcome.status === 'processed').length, 1);
    assert.equal(calls, 2);
    assert.deepEqual(await runOnce({ store: store() }, id, () => calls++), { status: 'duplicate' });
  });
}

describe('memory dedupe store', () => {
  let clock = 0;
  const store = new MemoryDedupeStore(() => clock);
  storeContract(() => store, async () => { clock += 1_000; }, 500);
});

describe('redis dedupe store', { skip: skipRedis }, () => {
  const prefix = `herald_sdk_${runId}:`;
  after(async () => {
    const keys = await redis.keys(prefix + '*');
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  storeContract(() => new RedisDedupeStore(redis, prefix), () => sleep(120), 40);
});

describe('postgres dedupe store', { skip: skipPostgres }, () => {
  const database = `herald_sdk_${runId}`;
  let pool: pg.Pool;
  let store: PostgresDedupeStore;
  before(async () => {
    await admin.query(`CREATE DATABASE ${database}`);
    pool = new pg.Pool({ host: '127.0.0.1', user: 'postgres', database, max: 5 });
    store = new PostgresDedupeStore(pool);
    await store.createTable();
  });
  after(async () => {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.end();
  });
  storeContract(() => store, () => sleep(120), 40);

  test('purgeExpired deletes the rows whose time has passed', async () => {
    const id = `msg_${runId}_purge`;
    const claim = await store.claim(id, 60_000) as { token: string };
    await store.complete(id, claim.token, 1);
    await sleep(20);
    assert.ok(await store.purgeExpired() >= 1);
  });
});
