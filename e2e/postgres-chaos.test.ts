import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { enqueueMessage } from '@herald/storage-postgres';
import { eventually, startReceiver, type HeraldProcess, type Receiver } from '@herald/testing';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { PostgresCluster, callApi } from './support/postgres-cluster.ts';

const MESSAGES = Number(process.env.CHAOS_MESSAGES ?? 10_000);
const ENDPOINTS = 20;
/** Each message goes to this many of the 20 endpoints (by channel), to keep the run near a minute on 2 cores. */
const FAN_OUT = Number(process.env.CHAOS_FAN_OUT ?? 2);
const WORKERS = 3;
const KILLS = 20;
/** Messages are enqueued through the outbox API, this many to a transaction, from this many connections, while the workers are killed. */
const PER_TRANSACTION = 100;
const ENQUEUERS = 4;

const database = await postgresTestDatabase();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (database) {
  // A killed worker's deliveries come back when its lease ends; a worker holds at most 8 at a
  // time, which bounds what one SIGKILL can leave sent but unrecorded (the duplicates).
  const cluster = new PostgresCluster(database.url, { HERALD_LEASE: '10s', HERALD_RETRY_SCHEDULE: '1s,1s,1s,1s,1s', HERALD_WORKER_CONCURRENCY: '8' });
  const receivers: Receiver[] = [];
  after(async () => {
    await cluster.stopAll();
    await Promise.all(receivers.map((receiver) => receiver.close()));
  });

  test(`${MESSAGES.toLocaleString('en')} messages to ${ENDPOINTS} endpoints with ${WORKERS} workers, ${KILLS} of them SIGKILLed at random: every pair delivered, duplicates under 1%, each with its webhook-id`, async (t) => {
    for (let i = 0; i < ENDPOINTS; i++) receivers.push(await startReceiver());
    const api = await cluster.spawn('api');
    const app = await callApi<{ id: string }>(api.url, 'POST', '/api/v1/app', { name: 'chaos' });
    const groups = ENDPOINTS / FAN_OUT;
    for (let i = 0; i < ENDPOINTS; i++) {
      await callApi(api.url, 'POST', `/api/v1/app/${app.id}/endpoint`, { url: receivers[i]!.url, channels: [`group-${Math.floor(i / FAN_OUT)}`] });
    }
    const workers: HeraldProcess[] = await Promise.all(Array.from({ length: WORKERS }, () => cluster.spawn('worker')));

    const messageIds: string[] = new Array(MESSAGES);
    const pool = new pg.Pool({ connectionString: database.url, max: ENQUEUERS });
    let nextBatch = 0;
    const enqueue = async (): Promise<void> => {
      for (let first = nextBatch; first < MESSAGES; first = nextBatch) {
        nextBatch += PER_TRANSACTION;
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          for (let n = first; n < Math.min(MESSAGES, first + PER_TRANSACTION); n++) {
            const message = await enqueueMessage(client, { app: app.id, eventType: 'chaos.test', payload: { n }, channels: [`group-${n % groups}`] });
            messageIds[n] = message.id;
          }
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      }
    };
    const delivered = () => receivers.reduce((sum, receiver) => sum + receiver.requests.length, 0);
    const expected = MESSAGES * FAN_OUT;

    let kills = 0;
    const respawns: Promise<void>[] = [];
    const killer = async () => {
      await eventually(() => (delivered() > 0 ? true : undefined), 60_000, 'the first delivery');
      while (kills < KILLS) {
        await sleep(200 + Math.random() * 1_300);
        const live = workers.filter((worker) => worker.child.exitCode === null && worker.child.signalCode === null);
        if (live.length === 0) continue;
        const victim = live[Math.floor(Math.random() * live.length)]!;
        victim.child.kill('SIGKILL');
        kills++;
        await victim.exited;
        respawns.push(cluster.spawn('worker').then((worker) => {
          workers.push(worker);
        }));
      }
    };
    await Promise.all([...Array.from({ length: ENQUEUERS }, enqueue), killer()]);
    await pool.end();
    await Promise.all(respawns);
    assert.equal(kills, KILLS);
    assert.ok(delivered() < expected, 'the kills landed while deliveries were still under way');

    const pairsDelivered = () => {
      const pairs = new Set<string>();
      receivers.forEach((receiver, endpoint) => {
        for (const request of receiver.requests) pairs.add(`${JSON.parse(request.body).n}/${endpoint}`);
      });
      return pairs.size;
    };
    await eventually(() => (pairsDelivered() === expected ? true : undefined), 180_000, `all ${expected} (message, endpoint) pairs delivered`);

    let duplicates = 0;
    receivers.forEach((receiver, endpoint) => {
      const seen = new Set<number>();
      for (const request of receiver.requests) {
        const n = JSON.parse(request.body).n as number;
        assert.equal(Math.floor(endpoint / FAN_OUT), n % groups, 'only subscribed endpoints receive the message');
        assert.equal(request.headers['webhook-id'], messageIds[n], 'every delivery, duplicate or not, carries its message id');
        if (seen.has(n)) duplicates++;
        seen.add(n);
      }
    });
    t.diagnostic(`${duplicates} duplicates of ${expected} deliveries`);
    assert.ok(duplicates < expected / 100, `${duplicates} duplicates of ${expected} deliveries is under 1%`);
  });
}
