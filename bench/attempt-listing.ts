// `npm run bench:attempts`: how fast one page of attempts lists in PostgreSQL mode when the table
// is large. Seeds BENCH_ATTEMPTS attempts (default 10,000,000) with generate_series into a fresh
// database on BENCH_DATABASE_URL's server, then times the Store's own list queries: the first
// page and pages deep inside the history, by endpoint and by message, with and without filters.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { MessageStatus } from '@herald/core';
import { PostgresStore } from '@herald/storage-postgres';

const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ATTEMPTS = Number(process.env.BENCH_ATTEMPTS ?? 10_000_000);
const ENDPOINTS = 100;
const ATTEMPTS_PER_MESSAGE = 2;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 500);
const APP = 'app_bench';

const pad = (sql: string) => `lpad((${sql})::text, 27, '0')`;
/** Ids in the shape of KSUIDs: fixed width, so byte order is creation order. */
const attemptId = (i: number) => `atmpt_${String(i).padStart(27, '0')}`;
const messageId = (i: number) => `msg_${String(Math.floor(i / ATTEMPTS_PER_MESSAGE)).padStart(27, '0')}`;
const endpointOf = (i: number) => `ep_${Math.floor(i / ATTEMPTS_PER_MESSAGE) % ENDPOINTS}`;

async function seed(url: string): Promise<void> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  // Bulk load without firing foreign-key triggers: the rows are consistent by construction.
  await db.query('SET session_replication_role = replica');
  await db.query(`INSERT INTO applications (id, uid, name, created_at, updated_at) VALUES ('${APP}', 'bench', 'bench', 0, 0)`);
  await db.query(`INSERT INTO endpoints (id, app_id, url, secrets, created_at, updated_at)
    SELECT 'ep_' || e, '${APP}', 'https://example.com/' || e, '[]', 0, 0 FROM generate_series(0, ${ENDPOINTS - 1}) e`);
  const messages = Math.ceil(ATTEMPTS / ATTEMPTS_PER_MESSAGE);
  const chunk = 1_000_000;
  // Every endpoint gets every event type and one failure in ten, so filters thin each range scan evenly.
  const failed = `(i / ${ATTEMPTS_PER_MESSAGE * ENDPOINTS}) % 10 = 0`;
  for (let from = 0; from < messages; from += chunk) {
    await db.query(`INSERT INTO messages (id, app_id, event_type, payload, created_at)
      SELECT 'msg_' || ${pad('m')}, '${APP}', 'bench.' || ((m / ${ENDPOINTS}) % 5), '{"n":1}', 1700000000000 + m
      FROM generate_series(${from}, ${Math.min(messages, from + chunk) - 1}) m`);
  }
  for (let from = 0; from < ATTEMPTS; from += chunk) {
    const started = Date.now();
    await db.query(`INSERT INTO attempts (id, msg_id, endpoint_id, app_id, url, status, response_status_code, response,
        response_duration_ms, trigger_type, created_at)
      SELECT 'atmpt_' || ${pad('i')}, 'msg_' || ${pad(`i / ${ATTEMPTS_PER_MESSAGE}`)}, 'ep_' || ((i / ${ATTEMPTS_PER_MESSAGE}) % ${ENDPOINTS}),
        '${APP}', 'https://example.com', CASE WHEN ${failed} THEN ${MessageStatus.Fail} ELSE ${MessageStatus.Success} END,
        CASE WHEN ${failed} THEN 500 ELSE 200 END, 'ok', 12, 0, 1700000000000 + i
      FROM generate_series(${from}, ${Math.min(ATTEMPTS, from + chunk) - 1}) i`);
    process.stdout.write(`  seeded ${Math.min(ATTEMPTS, from + chunk).toLocaleString('en')} attempts (${Date.now() - started} ms for this million)\n`);
  }
  await db.query('ANALYZE');
  await db.end();
}

async function time(samples: number, query: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const durations: number[] = [];
  for (let s = 0; s < samples; s++) {
    const i = Math.floor(Math.random() * ATTEMPTS);
    const started = performance.now();
    await query(i);
    durations.push(performance.now() - started);
  }
  durations.sort((a, b) => a - b);
  const at = (q: number) => durations[Math.min(durations.length - 1, Math.floor(q * durations.length))]!;
  return { p50: at(0.5), p99: at(0.99) };
}

const admin = new pg.Client({ connectionString: SERVER });
await admin.connect();
const name = `herald_postgres_bench_${randomBytes(4).toString('hex')}`;
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(SERVER);
url.pathname = `/${name}`;
const store = new PostgresStore({ connectionString: url.toString(), poolSize: 2 });
try {
  await store.migrate();
  console.log(`Seeding ${ATTEMPTS.toLocaleString('en')} attempts over ${ENDPOINTS} endpoints into ${name} ...`);
  const seeded = Date.now();
  await seed(url.toString());
  console.log(`  done in ${((Date.now() - seeded) / 1000).toFixed(0)} s\n`);
  const scenarios: Array<[string, (i: number) => Promise<unknown>]> = [
    ['by endpoint, first page', (i) => store.listAttemptsByEndpoint(APP, endpointOf(i), { limit: 50 })],
    ['by endpoint, a page deep in history', (i) => store.listAttemptsByEndpoint(APP, endpointOf(i), { limit: 50, iterator: attemptId(i) })],
    ['by endpoint, failures only, deep', (i) => store.listAttemptsByEndpoint(APP, endpointOf(i), { limit: 50, iterator: attemptId(i), status: MessageStatus.Fail })],
    ['by endpoint, one event type, deep', (i) => store.listAttemptsByEndpoint(APP, endpointOf(i), { limit: 50, iterator: attemptId(i), eventTypes: ['bench.1'] })],
    ['by message', (i) => store.listAttemptsByMessage(APP, messageId(i), { limit: 50 })],
  ];
  console.log(`List one page of 50 (${SAMPLES} samples each, random endpoints and cursors):`);
  for (const [label, query] of scenarios) {
    await time(20, query); // warm the cache a little
    const { p50, p99 } = await time(SAMPLES, query);
    console.log(`  ${label.padEnd(38)} p50 ${p50.toFixed(2).padStart(7)} ms   p99 ${p99.toFixed(2).padStart(7)} ms`);
  }
} finally {
  await store.close();
  if (!process.env.BENCH_KEEP) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
