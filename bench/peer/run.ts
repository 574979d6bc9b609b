// `npm run bench:peer`: Herald (embedded, SQLite with synchronous=FULL, ingest rate limit off)
// against the peer a Node developer would otherwise build (bench/peer/main.ts: Fastify + BullMQ on
// Redis + undici), in one run, with the same load generator and the same receiver, alternating
// Herald, peer, Herald, peer for each load so that the machine's drift falls on both sides alike.
// CPU per delivery is user+system CPU of all threads: Herald's process, or the peer's process plus
// the Redis server's (BENCH_REDIS_URL, default redis://127.0.0.1:6379; a shared Redis serving other
// clients at the same time would inflate the peer's figure). With BENCH_DATABASE_URL, Herald in
// PostgreSQL mode (an API and 2 worker processes) joins the rotation as a third side; its CPU is its
// three processes plus the PostgreSQL server's (the postmaster's process tree; a shared server's
// other clients inflate it, as they would Redis's).
import { availableParallelism } from 'node:os';
import { processTreeCpuSeconds } from '../harness/cpu.ts';
import { startEmbeddedHerald } from '../harness/herald.ts';
import { startPostgresHerald, type PostgresHerald } from '../harness/postgres-herald.ts';
import { startReceiver } from '../harness/receiver.ts';
import { runScenario, type Load, type ScenarioResult, type Target } from '../harness/scenario.ts';
import { startPeer } from './start-peer.ts';

const MESSAGES_ONE = Number(process.env.BENCH_MESSAGES ?? 10_000);
const MESSAGES_FANOUT = Number(process.env.BENCH_FANOUT_MESSAGES ?? Math.round(MESSAGES_ONE / 5));
const FANOUT = 10;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const PACED_RATE = Number(process.env.BENCH_RATE ?? 1_000);
const PACED_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 10);
const PEER_CONCURRENCY = Number(process.env.BENCH_PEER_CONCURRENCY ?? 128);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const line = (cells: string[]) => `| ${cells.join(' | ')} |\n`;

function check(side: string, load: Load, result: ScenarioResult): string {
  const problems: string[] = [];
  if (result.duplicates > 0) problems.push(`${result.duplicates} duplicates`);
  if (result.signatures.badSignatures > 0 || result.signatures.unsigned > 0) problems.push(`${result.signatures.badSignatures} bad and ${result.signatures.unsigned} unsigned signatures`);
  if (result.signatures.verified === 0) problems.push('no signature verified');
  return problems.length === 0 ? `${result.distinct} distinct, ${result.signatures.verified} signatures verified` : `${side} ${load.name}: ${problems.join(', ')}`;
}

async function main(): Promise<void> {
  const receiver = await startReceiver();
  // Stopped last-started first, whatever failed: no process or database outlives the bench.
  const cleanups: Array<() => Promise<void>> = [async () => void receiver.child.send({ type: 'stop' })];
  try {
    const embedded = await startEmbeddedHerald();
    cleanups.unshift(embedded.stop);
    const peer = await startPeer(REDIS_URL, PEER_CONCURRENCY);
    cleanups.unshift(peer.stop);
    const postgres: PostgresHerald | undefined = process.env.BENCH_DATABASE_URL ? await startPostgresHerald(process.env.BENCH_DATABASE_URL) : undefined;
    if (postgres) cleanups.unshift(postgres.stop);
    const sides: Array<[string, Target]> = [
      ['Herald', { url: embedded.herald.url, token: embedded.token, pids: [embedded.herald.child.pid!] }],
      ['peer', { url: peer.url, token: peer.token, pids: [peer.child.pid!, ...(peer.redisPid === undefined ? [] : [peer.redisPid])] }],
    ];
    const postmaster = await postgres?.serverPid();
    if (postgres) sides.push(['Herald PostgreSQL', { url: postgres.url, token: postgres.token, pids: [...postgres.heraldPids],
      extraCpuSeconds: postmaster === undefined ? undefined : () => processTreeCpuSeconds(postmaster) }]);
    /** How a side's CPU per delivery splits: the peer's process + Redis; PostgreSQL mode's Herald processes + backends. */
    const split = (side: string, byProcess: number[]) => {
      const sum = (values: number[]) => values.reduce((total, value) => total + value, 0).toFixed(0);
      if (side === 'peer' && byProcess.length > 1) return ` (${sum(byProcess.slice(0, 1))} + Redis ${sum(byProcess.slice(1))})`;
      if (side === 'Herald PostgreSQL') return ` (${sum(byProcess.slice(0, 3))} + PostgreSQL ${sum(byProcess.slice(3))})`;
      return '';
    };
    const watch = { receiver: receiver.child.pid!, 'load generator': process.pid };
      process.stdout.write(`Herald vs peer: ${ROUNDS} rounds of each load, alternating; ${MESSAGES_ONE} messages to 1 endpoint, ${MESSAGES_FANOUT} to ${FANOUT}; `
        + `ingest concurrency ${CONCURRENCY}; peer worker concurrency ${PEER_CONCURRENCY}; Redis pid ${peer.redisPid ?? 'not local (its CPU is not counted)'}; `
        + `${availableParallelism()} cores\n\n`);
      // Both warm: JIT, connections, SQLite's page cache and Redis.
      for (const [, target] of sides) await runScenario(target, receiver, { name: 'warmup', endpoints: 1, messages: 3_000, concurrency: CONCURRENCY });

      const loads: Load[] = [
        { name: '1:1', endpoints: 1, messages: MESSAGES_ONE, concurrency: CONCURRENCY, watch },
        { name: `fan-out ×${FANOUT}`, endpoints: FANOUT, messages: MESSAGES_FANOUT, concurrency: CONCURRENCY, watch },
        { name: `paced ${PACED_RATE}/s`, endpoints: 1, messages: PACED_RATE * PACED_SECONDS, concurrency: CONCURRENCY, rate: PACED_RATE, watch },
      ];
      const results = new Map<string, ScenarioResult[]>();
      const notes: string[] = [];
      process.stdout.write(line(['Load', 'Round', 'Side', 'Deliveries/s', 'CPU per delivery', 'Send-to-receipt p50 / p99', 'Receipts', 'CPU shares']));
      process.stdout.write(line(['---', '---', '---', '---', '---', '---', '---', '---']));
      for (const load of loads) {
        const rounds = load.rate === undefined ? ROUNDS : 1;
        for (let round = 1; round <= rounds; round++) {
          for (const [side, target] of sides) {
            const result = await runScenario(target, receiver, { ...load, name: `${side}-${load.name}-${round}` });
            const key = `${load.name}|${side}`;
            results.set(key, [...(results.get(key) ?? []), result]);
            const verdict = check(side, load, result);
            if (verdict.includes(':')) notes.push(verdict);
            process.stdout.write(line([load.name, String(round), side, result.deliveriesPerSecond.toFixed(0), `${result.cpuMicrosecondsPerDelivery.toFixed(0)} µs${split(side, result.cpuMicrosecondsPerDeliveryByProcess)}`,
              `${result.sendToReceipt.p50.toFixed(1)} / ${result.sendToReceipt.p99.toFixed(1)} ms`, verdict, result.shares]));
          }
        }
      }
      process.stdout.write(`\n${line(['Load', 'Herald deliveries/s', 'peer deliveries/s', 'Herald ÷ peer', 'Herald CPU per delivery', 'peer CPU per delivery', 'Herald ÷ peer'])}`);
      process.stdout.write(line(['---', '---', '---', '---', '---', '---', '---']));
      for (const load of loads) {
        const herald = results.get(`${load.name}|Herald`)!;
        const other = results.get(`${load.name}|peer`)!;
        const rate = [mean(herald.map((r) => r.deliveriesPerSecond)), mean(other.map((r) => r.deliveriesPerSecond))] as const;
        const cpu = [mean(herald.map((r) => r.cpuMicrosecondsPerDelivery)), mean(other.map((r) => r.cpuMicrosecondsPerDelivery))] as const;
        process.stdout.write(line([load.name, rate[0].toFixed(0), rate[1].toFixed(0), `${(rate[0] / rate[1]).toFixed(2)}×`, `${cpu[0].toFixed(0)} µs`, `${cpu[1].toFixed(0)} µs`, `${(cpu[0] / cpu[1]).toFixed(2)}×`]));
      }
      if (postgres) {
        process.stdout.write(`\n${line(['Load', 'embedded deliveries/s', 'PostgreSQL deliveries/s', 'PostgreSQL ÷ embedded', 'embedded CPU per delivery', 'PostgreSQL CPU per delivery', 'PostgreSQL ÷ embedded'])}`);
        process.stdout.write(line(['---', '---', '---', '---', '---', '---', '---']));
        for (const load of loads) {
          const embeddedRuns = results.get(`${load.name}|Herald`)!;
          const postgresRuns = results.get(`${load.name}|Herald PostgreSQL`)!;
          const rate = [mean(embeddedRuns.map((r) => r.deliveriesPerSecond)), mean(postgresRuns.map((r) => r.deliveriesPerSecond))] as const;
          const cpu = [mean(embeddedRuns.map((r) => r.cpuMicrosecondsPerDelivery)), mean(postgresRuns.map((r) => r.cpuMicrosecondsPerDelivery))] as const;
          process.stdout.write(line([load.name, rate[0].toFixed(0), rate[1].toFixed(0), `${(rate[1] / rate[0]).toFixed(2)}×`, `${cpu[0].toFixed(0)} µs`, `${cpu[1].toFixed(0)} µs`, `${(cpu[1] / cpu[0]).toFixed(2)}×`]));
        }
      }
      for (const note of notes) process.stdout.write(`WARNING ${note}\n`);
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

await main();
