// What sharing the rate-limit buckets through PostgreSQL costs: messages accepted per second by
// one API process in PostgreSQL mode, with the default limits (shared buckets, leased from the
// database a slice at a time) and with HERALD_RATE_LIMIT / HERALD_INGEST_RATE_LIMIT off.
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/rate-limit-postgres.ts
// BENCH_SECONDS (default 8) per run, BENCH_CLIENTS (default 32) concurrent senders, BENCH_ROUNDS (default 2).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Pool } from 'undici';
import { TEST_ADMIN_TOKEN, spawnHerald, tempDir } from '@herald/testing';
import { postgresModeEnv } from '@herald/testing/postgres';
import { PostgresStore, leaseRateLimitCredit } from '@herald/storage-postgres';

const server = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const clients = Number(process.env.BENCH_CLIENTS ?? 32);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);

async function run(databaseUrl: string, label: string, env: Record<string, string>): Promise<{ label: string; perSecond: number; refused: number; leases: number }> {
  const dir = tempDir('herald-bench-rl-');
  const herald = await spawnHerald(postgresModeEnv(databaseUrl, 'api', dir.path, { HERALD_DATABASE_POOL_SIZE: '10', ...env }), 60_000);
  const http = new Pool(herald.url, { connections: clients });
  const headers = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
  try {
    const created = await http.request({ path: '/api/v1/app', method: 'POST', headers, body: JSON.stringify({ name: label }) });
    const { id } = (await created.body.json()) as { id: string };
    const body = JSON.stringify({ eventType: 'bench.event', payload: { padding: 'x'.repeat(64) } });
    const send = async () => {
      const response = await http.request({ path: `/api/v1/app/${id}/msg`, method: 'POST', headers, body });
      await response.body.dump();
      return response.statusCode;
    };
    for (let i = 0; i < 2_000; i++) await send(); // warm: JIT, connections, Postgres' caches
    const before = await leaseCount(databaseUrl);
    let accepted = 0;
    let refused = 0;
    const end = performance.now() + seconds * 1_000;
    const started = performance.now();
    await Promise.all(Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const status = await send();
        if (status === 202) accepted++;
        else if (status === 429) refused++;
        else throw new Error(`unexpected ${status}`);
      }
    }));
    const elapsed = (performance.now() - started) / 1_000;
    return { label, perSecond: Math.round(accepted / elapsed), refused, leases: (await leaseCount(databaseUrl)) - before };
  } finally {
    await http.close();
    herald.child.kill('SIGTERM');
    await herald.exited;
    dir.remove();
  }
}

/** Leases are counted by the statistics of the bucket table: one UPDATE per lease. */
async function leaseCount(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ n: string | null }>(
      "SELECT n_tup_upd + n_tup_ins AS n FROM pg_stat_user_tables WHERE relname = 'rate_limit_buckets'");
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

const admin = new pg.Client({ connectionString: server });
await admin.connect();
const name = `herald_rate_limit_bench_${randomBytes(4).toString('hex')}`;
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(server);
url.pathname = `/${name}`;
try {
  const results = [];
  for (let round = 0; round < rounds; round++) {
    results.push(await run(url.toString(), 'off', { HERALD_RATE_LIMIT: 'off', HERALD_INGEST_RATE_LIMIT: 'off' }));
    results.push(await run(url.toString(), 'shared (default 10000/s ingest)', {}));
  }
  // One lease alone: the round trip one request in a slice waits for.
  const store = new PostgresStore({ connectionString: url.toString(), poolSize: 1 });
  await store.migrate();
  const bucket = { capacity: 10_000 * 1_000, requests: 10_000, perMs: 1_000 };
  for (let i = 0; i < 200; i++) await leaseRateLimitCredit(store.pool, 'bench', bucket, 500 * 1_000);
  const leaseStarted = performance.now();
  for (let i = 0; i < 2_000; i++) await leaseRateLimitCredit(store.pool, 'bench', bucket, 500 * 1_000);
  const leaseMs = (performance.now() - leaseStarted) / 2_000;
  await store.close();
  console.log(`one lease: ${(leaseMs * 1_000).toFixed(0)} µs per round trip (2,000 in a row); at the default ingest limit one request in 500 waits for one`);
  console.log(`| limits | messages accepted/s (1 API process, ${clients} clients, ${seconds} s) | 429s | leases taken |`);
  console.log('|---|---|---|---|');
  for (const result of results) console.log(`| ${result.label} | ${result.perSecond} | ${result.refused} | ${result.leases} |`);
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
