// `npm run bench`: Herald's delivery throughput and latency beside the raw HTTP ceiling, measured in
// one run on this machine. Herald runs embedded (SQLite, synchronous=FULL) in its own process;
// the receiver in another; the load generator and the ceiling client here.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { TEST_ADMIN_TOKEN, spawnHerald, tempDir, testEnv } from '@herald/testing';
import { postgresBench } from './delivery-postgres.ts';

const MESSAGES_ONE = Number(process.env.BENCH_MESSAGES ?? 10_000);
const MESSAGES_FANOUT = Number(process.env.BENCH_FANOUT_MESSAGES ?? Math.round(MESSAGES_ONE / 5));
const FANOUT = 10;
const INGEST_CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);

const now = () => performance.timeOrigin + performance.now();

function startReceiver(): Promise<{ child: ChildProcess; url: string; ask: <T>(type: string) => Promise<T> }> {
  const child = fork(fileURLToPath(new URL('./receiver-process.ts', import.meta.url)), { execArgv: ['--import', 'tsx'] });
  const ask = <T>(type: string) =>
    new Promise<T>((resolve) => {
      const onMessage = (message: { type: string }) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        resolve(message as T);
      };
      child.on('message', onMessage);
      child.send({ type });
    });
  return new Promise((resolve) => {
    child.once('message', (message: { port: number }) => resolve({ child, url: `http://127.0.0.1:${message.port}`, ask }));
  });
}

async function waitForCount(ask: <T>(type: string) => Promise<T>, target: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { received } = await ask<{ received: number }>('count');
    if (received >= target) return now();
    if (Date.now() > deadline) throw new Error(`receiver got ${received} of ${target} in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The raw ceiling: an undici Pool posting signed-size bodies straight to the receiver. */
async function ceiling(receiverUrl: string, total: number, connections: number): Promise<number> {
  const pool = new Pool(receiverUrl, { connections, pipelining: 1 });
  const body = JSON.stringify({ type: 'bench', n: 0, padding: 'x'.repeat(64) });
  let sent = 0;
  const started = now();
  await Promise.all(Array.from({ length: connections }, async () => {
    while (sent < total) {
      sent++;
      const response = await pool.request({ path: '/ceiling', method: 'POST', body, headers: { 'content-type': 'application/json', 'webhook-id': `ceiling_${sent}` } });
      await response.body.text();
    }
  }));
  const seconds = (now() - started) / 1000;
  await pool.close();
  return total / seconds;
}

/** CPU seconds a process has used so far (Linux /proc), to show where a scenario's time went. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function scenario(name: string, heraldUrl: string, receiverUrl: string, endpoints: number, messages: number,
  ask: <T>(type: string) => Promise<T>, pids: Record<string, number>) {
  const api = new Pool(heraldUrl, { connections: INGEST_CONCURRENCY });
  const headers = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const call = async (path: string, body: unknown) => {
    const response = await api.request({ path, method: 'POST', headers, body: JSON.stringify(body) });
    const text = await response.body.text();
    if (response.statusCode >= 300) throw new Error(`${path}: ${response.statusCode} ${text}`);
    return JSON.parse(text) as { id: string };
  };
  const app = await call('/api/v1/app', { name });
  for (let i = 0; i < endpoints; i++) await call(`/api/v1/app/${app.id}/endpoint`, { url: `${receiverUrl}/ep${i}` });
  await ask('reset');

  const acceptedAt = new Map<string, number>();
  let next = 0;
  const cpuBefore = Object.fromEntries(Object.entries(pids).map(([who, pid]) => [who, cpuSeconds(pid)]));
  const started = now();
  await Promise.all(Array.from({ length: INGEST_CONCURRENCY }, async () => {
    while (next < messages) {
      const n = next++;
      const message = await call(`/api/v1/app/${app.id}/msg?with_content=false`, { eventType: 'bench.event', payload: { n, padding: 'x'.repeat(64) } });
      acceptedAt.set(message.id, now());
    }
  }));
  const ingestDone = now();
  const deliveredAll = await waitForCount(ask, messages * endpoints, 300_000);
  const wall = (deliveredAll - started) / 1000;
  const cpu = Object.entries(pids).map(([who, pid]) => `${who} ${((cpuSeconds(pid) - cpuBefore[who]!) / wall * 100).toFixed(0)}%`).join(', ');
  // Less at the mercy of the machine's drift than a rate: what each delivery cost Herald in CPU.
  const heraldCpuMicroseconds = pids.herald === undefined ? NaN : (cpuSeconds(pids.herald) - cpuBefore.herald!) * 1e6;
  const heraldMicrosecondsPerDelivery = heraldCpuMicroseconds / (messages * endpoints);
  const { arrivals } = await ask<{ arrivals: Array<[string, number]> }>('arrivals');
  await api.close();
  const latencies = arrivals.map(([key, at]) => at - (acceptedAt.get(key.split(' ')[0]!) ?? at)).sort((a, b) => a - b);
  return {
    ingestPerSecond: messages / ((ingestDone - started) / 1000),
    deliveriesPerSecond: (messages * endpoints) / ((deliveredAll - started) / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpu,
    heraldMicrosecondsPerDelivery,
    heraldMicrosecondsPerMessage: heraldCpuMicroseconds / messages,
  };
}

async function main(): Promise<void> {
  const receiver = await startReceiver();
  const dir = tempDir('herald-bench-');
  const herald = await spawnHerald(testEnv(dir.path, { HERALD_SQLITE_SYNCHRONOUS: process.env.BENCH_SYNCHRONOUS ?? 'FULL', HERALD_RETRY_SCHEDULE: '5s,5m',
    // Any HERALD_* variable set for the bench reaches Herald, e.g. HERALD_WORKER_CONCURRENCY=1024.
    ...Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[0].startsWith('HERALD_') && entry[1] !== undefined)) }), 20_000,
    // e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile Herald under load
    (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((arg) => arg.length > 0));
  try {
    process.stdout.write(`Herald bench: ${MESSAGES_ONE} messages to 1 endpoint, ${MESSAGES_FANOUT} messages to ${FANOUT} endpoints, ingest concurrency ${INGEST_CONCURRENCY}\n`);
    await ceiling(receiver.url, 2_000, 64); // warm-up
    // A running server is warm: let the JIT and SQLite's page cache settle before measuring.
    await scenario('bench-warmup', herald.url, receiver.url, 1, 3_000, receiver.ask, {});
    const pids = { herald: herald.child.pid!, receiver: receiver.child.pid!, 'load generator': process.pid };
    // This machine's speed drifts from minute to minute (shared cores), so each scenario is compared
    // with a ceiling measured right before it: the best of two runs, so as not to flatter the ratio.
    const ceilingNow = async () => Math.max(await ceiling(receiver.url, 10_000, 64), await ceiling(receiver.url, 10_000, 64));
    // The API alone, for an application with no endpoints: every message still commits (with its
    // fsync) before its 202, but nothing is delivered. No delivery rate can exceed this one.
    const ceilingIngest = await ceilingNow();
    const ingestOnly = await scenario('bench-0', herald.url, receiver.url, 0, MESSAGES_ONE, receiver.ask, pids);
    const ceilingOne = await ceilingNow();
    const one = await scenario('bench-1', herald.url, receiver.url, 1, MESSAGES_ONE, receiver.ask, pids);
    const ceilingFan = await ceilingNow();
    const fan = process.env.BENCH_FANOUT === 'skip'
      ? { ingestPerSecond: NaN, deliveriesPerSecond: NaN, p50: NaN, p99: NaN, cpu: 'skipped', heraldMicrosecondsPerDelivery: NaN, heraldMicrosecondsPerMessage: NaN }
      : await scenario('bench-10', herald.url, receiver.url, FANOUT, MESSAGES_FANOUT, receiver.ask, pids);
    const ratio = (value: number, of: number) => `${((value / of) * 100).toFixed(0)}% of ceiling`;
    const rows = [
      ['raw ceiling before ingest-only run', `${ceilingIngest.toFixed(0)} req/s`, ''],
      ['no endpoints: ingest', `${ingestOnly.ingestPerSecond.toFixed(0)} msg/s`, ratio(ingestOnly.ingestPerSecond, ceilingIngest)],
      ['no endpoints: Herald CPU per message', `${ingestOnly.heraldMicrosecondsPerMessage.toFixed(0)} µs`, ''],
      ['raw ceiling before 1-endpoint run', `${ceilingOne.toFixed(0)} req/s`, ''],
      ['1 endpoint: ingest', `${one.ingestPerSecond.toFixed(0)} msg/s`, ''],
      ['1 endpoint: deliveries', `${one.deliveriesPerSecond.toFixed(0)} /s`, ratio(one.deliveriesPerSecond, ceilingOne)],
      ['1 endpoint: 202-to-receipt p50 / p99', `${one.p50.toFixed(1)} / ${one.p99.toFixed(1)} ms`, ''],
      ['1 endpoint: Herald CPU per delivery', `${one.heraldMicrosecondsPerDelivery.toFixed(0)} µs`, ''],
      ['raw ceiling before fan-out run', `${ceilingFan.toFixed(0)} req/s`, ''],
      [`fan-out ${FANOUT}: ingest`, `${fan.ingestPerSecond.toFixed(0)} msg/s`, ''],
      [`fan-out ${FANOUT}: deliveries`, `${fan.deliveriesPerSecond.toFixed(0)} /s`, ratio(fan.deliveriesPerSecond, ceilingFan)],
      [`fan-out ${FANOUT}: 202-to-receipt p50 / p99`, `${fan.p50.toFixed(1)} / ${fan.p99.toFixed(1)} ms`, ''],
      [`fan-out ${FANOUT}: Herald CPU per delivery`, `${fan.heraldMicrosecondsPerDelivery.toFixed(0)} µs`, ''],
    ];
    for (const [label, value, note] of rows) process.stdout.write(`${label!.padEnd(48)} ${value!.padStart(18)}  ${note}\n`);
    process.stdout.write(`CPU use (100% = one core of ${availableParallelism()}): no endpoints: ${ingestOnly.cpu}; 1 endpoint: ${one.cpu}; fan-out: ${fan.cpu}\n`);
    if (process.env.BENCH_DATABASE_URL) {
      // Embedded Herald stops first, so the PostgreSQL processes have the cores it used.
      herald.child.kill('SIGTERM');
      await herald.exited;
      process.stdout.write(`\nPostgreSQL mode (${MESSAGES_ONE} messages to 1 endpoint per row):\n`);
      const postgresRows = await postgresBench(process.env.BENCH_DATABASE_URL, MESSAGES_ONE, {
        receiverUrl: receiver.url,
        ask: receiver.ask,
        ceilingNow,
        waitForCount: (target, timeoutMs) => waitForCount(receiver.ask, target, timeoutMs),
        endToEnd: (url, messages) => scenario('bench-pg', url, receiver.url, 1, messages, receiver.ask, {}),
        heraldEnv: Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[0].startsWith('HERALD_') && entry[1] !== undefined)),
      });
      for (const [label, value, note] of postgresRows) process.stdout.write(`${label!.padEnd(48)} ${value!.padStart(18)}  ${note}\n`);
    }
  } finally {
    herald.child.kill('SIGTERM');
    await herald.exited;
    receiver.child.send({ type: 'stop' });
    dir.remove();
  }
}

await main();
