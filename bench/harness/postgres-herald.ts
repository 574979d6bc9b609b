// Herald in PostgreSQL mode as the bench runs it: an API process and two worker processes on a fresh
// database of their own (dropped afterwards), with the ingest rate limit off. Its CPU can include the
// PostgreSQL server's, as the peer's includes Redis's.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { TEST_ADMIN_TOKEN, spawnHerald, tempDir, type HeraldProcess } from '@herald/testing';
import { postgresModeEnv } from '@herald/testing/postgres';
import { parentPid } from './cpu.ts';
import { BENCH_HERALD_SETTINGS, benchNodeArgs, heraldOverrides } from './herald.ts';

export interface PostgresHerald {
  url: string;
  token: string;
  /** The API's and the workers' pids. */
  heraldPids: number[];
  /** The postmaster's pid when the server runs on this machine: its process tree's CPU is the
   * server's (shared with anything else using that server at the time). */
  serverPid(): Promise<number | undefined>;
  stop(): Promise<void>;
}

export async function startPostgresHerald(serverUrl: string, workers = 2): Promise<PostgresHerald> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const name = `herald_peer_bench_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const dir = tempDir('herald-bench-pg-');
  const spawned: HeraldProcess[] = [];
  const overrides = heraldOverrides();
  const settings = { HERALD_RETRY_SCHEDULE: BENCH_HERALD_SETTINGS.HERALD_RETRY_SCHEDULE, HERALD_INGEST_RATE_LIMIT: 'off', HERALD_DATABASE_POOL_SIZE: '10', ...overrides };
  const stop = async () => {
    for (const herald of spawned) {
      herald.child.kill('SIGTERM');
      await herald.exited;
    }
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    dir.remove();
  };
  try {
    const roles: Array<'api' | 'worker'> = ['api', ...Array.from({ length: workers }, () => 'worker' as const)];
    for (const role of roles) {
      spawned.push(await spawnHerald(postgresModeEnv(url.toString(), role, dir.path, settings), 60_000, benchNodeArgs()));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  return {
    url: spawned[0]!.url,
    token: overrides.HERALD_ADMIN_TOKEN ?? TEST_ADMIN_TOKEN,
    heraldPids: spawned.map((herald) => herald.child.pid!),
    serverPid: async () => {
      if (!local) return undefined;
      const { rows } = await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      return parentPid(rows[0]!.pid);
    },
    stop,
  };
}
