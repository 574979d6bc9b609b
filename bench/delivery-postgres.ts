// The PostgreSQL half of `npm run bench` (with BENCH_DATABASE_URL): deliveries per second with 1, 2
// and 4 worker processes, each beside a raw ceiling measured just before it, then API + 2 workers
// end to end, measured the same way as embedded mode's 1-endpoint row.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { enqueueMessage } from '@herald/storage-postgres';
import { spawnHerald, tempDir, type HeraldProcess } from '@herald/testing';
import { postgresModeEnv } from '@herald/testing/postgres';
import { BENCH_ENDPOINT_SECRET } from './harness/secret.ts';

export interface BenchKit {
  receiverUrl: string;
  ask: <T>(type: string) => Promise<T>;
  ceilingNow: () => Promise<number>;
  waitForCount: (target: number, timeoutMs: number) => Promise<number>;
  /** The embedded bench's 1-endpoint scenario, through the HTTP API. */
  endToEnd: (heraldUrl: string, messages: number, pids: number[]) => Promise<{ deliveriesPerSecond: number; ingestPerSecond: number; cpuMicrosecondsPerDelivery: number }>;
  heraldEnv: Record<string, string>;
}

const now = () => performance.timeOrigin + performance.now();

export async function postgresBench(server: string, messages: number, kit: BenchKit): Promise<string[][]> {
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  const name = `herald_postgres_bench_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const dir = tempDir('herald-bench-pg-');
  const spawned: HeraldProcess[] = [];
  const spawn = async (role: 'api' | 'worker') => {
    const herald = await spawnHerald(postgresModeEnv(databaseUrl, role, dir.path, { HERALD_RETRY_SCHEDULE: '5s,5m', HERALD_DATABASE_POOL_SIZE: '10', ...kit.heraldEnv }), 60_000,
      // BENCH_NODE_ARGS (e.g. --cpu-prof) reaches these processes too, as it does embedded Herald.
      (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((arg) => arg.length > 0));
    spawned.push(herald);
    return herald;
  };
  const client = new pg.Client({ connectionString: databaseUrl });
  const rows: string[][] = [];
  try {
    const api = await spawn('api');
    await client.connect();
    const call = async (path: string, body: unknown) => {
      const response = await fetch(`${api.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${kit.heraldEnv.HERALD_ADMIN_TOKEN ?? 'sk_test_herald_admin_token_0123456789'}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return (await response.json()) as { id: string };
    };
    const workers: HeraldProcess[] = [await spawn('worker')];
    // As in embedded mode, a running server is warm: JIT, connections and Postgres' caches settle first.
    await kit.endToEnd(api.url, Math.min(2_000, messages), []);
    for (const count of [1, 2, 4]) {
      while (workers.length < count) workers.push(await spawn('worker'));
      const app = await call('/api/v1/app', { name: `workers-${count}` });
      await call(`/api/v1/app/${app.id}/endpoint`, { url: `${kit.receiverUrl}/ep0`, secret: BENCH_ENDPOINT_SECRET });
      const ceiling = await kit.ceilingNow();
      await kit.ask('reset');
      // The backlog commits at once, so every worker starts together and only delivery is timed.
      await client.query('BEGIN');
      for (let n = 0; n < messages; n++) await enqueueMessage(client, { app: app.id, eventType: 'bench.event', payload: { n, padding: 'x'.repeat(64) } });
      await client.query('COMMIT');
      const committed = now();
      const done = await kit.waitForCount(messages, 300_000);
      const perSecond = messages / ((done - committed) / 1000);
      rows.push([`raw ceiling before ${count} worker(s)`, `${ceiling.toFixed(0)} req/s`, '']);
      rows.push([`PostgreSQL, ${count} worker process(es): deliveries`, `${perSecond.toFixed(0)} /s`, `${((perSecond / ceiling) * 100).toFixed(0)}% of ceiling`]);
    }
    for (const extra of workers.splice(2)) {
      extra.child.kill('SIGTERM');
      await extra.exited;
    }
    const ceiling = await kit.ceilingNow();
    // CPU counts Herald's processes (the API and both workers), not the PostgreSQL server's.
    const endToEnd = await kit.endToEnd(api.url, messages, [api, ...workers].map((herald) => herald.child.pid!));
    rows.push(['raw ceiling before API + 2 workers', `${ceiling.toFixed(0)} req/s`, '']);
    rows.push(['PostgreSQL, API + 2 workers: ingest', `${endToEnd.ingestPerSecond.toFixed(0)} msg/s`, '']);
    rows.push(['PostgreSQL, API + 2 workers: deliveries', `${endToEnd.deliveriesPerSecond.toFixed(0)} /s`, `${((endToEnd.deliveriesPerSecond / ceiling) * 100).toFixed(0)}% of ceiling`]);
    rows.push(['PostgreSQL, API + 2 workers: Herald CPU per delivery', `${endToEnd.cpuMicrosecondsPerDelivery.toFixed(0)} µs`, 'API + workers, not the PostgreSQL server']);
  } finally {
    for (const herald of spawned) {
      herald.child.kill('SIGTERM');
      await herald.exited;
    }
    await client.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    dir.remove();
  }
  return rows;
}
