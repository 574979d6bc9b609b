// Herald as the bench runs it: embedded (SQLite, synchronous=FULL) in its own process, with the
// ingest rate limit off so that a machine faster than 10,000 messages/s is not capped by it.
import { TEST_ADMIN_TOKEN, spawnHerald, tempDir, testEnv, type HeraldProcess } from '@herald/testing';

/** Every HERALD_* variable set for the bench, passed on to Herald (e.g. HERALD_WORKER_CONCURRENCY=1024). */
export function heraldOverrides(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[0].startsWith('HERALD_') && entry[1] !== undefined));
}

/** BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile Herald under load. */
export function benchNodeArgs(): string[] {
  return (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((arg) => arg.length > 0);
}

export const BENCH_HERALD_SETTINGS = {
  HERALD_SQLITE_SYNCHRONOUS: process.env.BENCH_SYNCHRONOUS ?? 'FULL',
  HERALD_RETRY_SCHEDULE: '5s,5m',
  HERALD_INGEST_RATE_LIMIT: 'off',
};

export async function startEmbeddedHerald(): Promise<{ herald: HeraldProcess; token: string; stop: () => Promise<void> }> {
  const dir = tempDir('herald-bench-');
  const herald = await spawnHerald(testEnv(dir.path, { ...BENCH_HERALD_SETTINGS, ...heraldOverrides() }), 20_000, benchNodeArgs());
  return {
    herald,
    token: TEST_ADMIN_TOKEN,
    stop: async () => {
      herald.child.kill('SIGTERM');
      await herald.exited;
      dir.remove();
    },
  };
}
