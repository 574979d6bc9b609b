// One bench scenario against any service that speaks the Svix-shaped subset the bench needs
// (POST /api/v1/app, …/endpoint with a secret, …/msg): Herald, in either mode, or the peer. The same
// load generator and receiver measure every side, so their figures compare within one run.
import { Pool } from 'undici';
import { cpuOnceQuiet, cpuSeconds, threadCpuSeconds, threadCpuSince } from './cpu.ts';
import { waitForDistinct, type Receiver, type ReceiverCount, type SignatureCheck } from './receiver.ts';
import { BENCH_ENDPOINT_SECRET, benchPayload } from './secret.ts';

export interface Target {
  url: string;
  token: string;
  /** The processes whose user+system CPU (all threads) is the side's cost: Herald's, or the peer's and Redis's. */
  pids: number[];
  /** CPU seconds so far of a further part of the side that is not a fixed set of processes (the
   * PostgreSQL server behind PostgreSQL mode), added to its cost and shown last in the split. */
  extraCpuSeconds?: () => number;
}

export interface Load {
  name: string;
  endpoints: number;
  messages: number;
  /** Requests in flight at once when running flat out. */
  concurrency: number;
  /** Messages per second, paced (a POST starts on schedule whatever is in flight); flat out when absent. */
  rate?: number;
  /** Other processes whose CPU share to show (the receiver, the load generator). */
  watch?: Record<string, number>;
}

export interface ScenarioResult {
  ingestPerSecond: number;
  deliveriesPerSecond: number;
  /** From the start of the POST to the first arrival of the delivery, ms. */
  sendToReceipt: { p50: number; p99: number };
  /** From the 202 to the delivery's first arrival; below zero when the webhook beats the 202. */
  ackToReceipt: { p50: number; p99: number };
  cpuMicrosecondsPerDelivery: number;
  /** The same, for each of target.pids in turn and then the extra part (per message with no endpoints). */
  cpuMicrosecondsPerDeliveryByProcess: number[];
  cpuMicrosecondsPerMessage: number;
  received: number;
  distinct: number;
  duplicates: number;
  signatures: SignatureCheck;
  shares: string;
  /** The first measured process's threads: CPU µs per delivery each (per message with no endpoints). */
  threads: Array<{ tid: number; name: string; microseconds: number }>;
}

const now = () => performance.timeOrigin + performance.now();

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export async function runScenario(target: Target, receiver: Receiver, load: Load): Promise<ScenarioResult> {
  const api = new Pool(target.url, { connections: load.concurrency });
  const headers = { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' };
  const call = async (path: string, body: unknown) => {
    const response = await api.request({ path, method: 'POST', headers, body: JSON.stringify(body) });
    const text = await response.body.text();
    if (response.statusCode >= 300) throw new Error(`${path}: ${response.statusCode} ${text}`);
    return JSON.parse(text) as { id: string };
  };
  const app = await call('/api/v1/app', { name: load.name });
  for (let i = 0; i < load.endpoints; i++) {
    await call(`/api/v1/app/${app.id}/endpoint`, { url: `${receiver.url}/ep${i}`, secret: BENCH_ENDPOINT_SECRET });
  }
  await receiver.ask('reset');

  const sentAt = new Map<string, number>();
  const acceptedAt = new Map<string, number>();
  const post = async (n: number) => {
    const started = now();
    const message = await call(`/api/v1/app/${app.id}/msg?with_content=false`, { eventType: 'bench.event', payload: benchPayload(n) });
    acceptedAt.set(message.id, now());
    sentAt.set(message.id, started);
  };

  // Each process's CPU, then the extra part's: read together, once the measured processes are quiet.
  const readCpu = () => [...target.pids.map((pid) => cpuSeconds(pid)), ...(target.extraCpuSeconds ? [target.extraCpuSeconds()] : [])];
  const sumOf = (values: number[]) => values.reduce((total, value) => total + value, 0);
  const byProcessBefore = await cpuOnceQuiet(target.pids, readCpu);
  const cpuBefore = sumOf(byProcessBefore);
  const threadsBefore = target.pids[0] === undefined ? new Map() : threadCpuSeconds(target.pids[0]);
  const watched = Object.entries(load.watch ?? {});
  const watchedBefore = watched.map(([, pid]) => cpuSeconds(pid));
  const started = now();
  if (load.rate === undefined) {
    let next = 0;
    await Promise.all(Array.from({ length: load.concurrency }, async () => {
      while (next < load.messages) await post(next++);
    }));
  } else {
    const interval = 1000 / load.rate;
    const inFlight: Promise<void>[] = [];
    for (let n = 0; n < load.messages; n++) {
      const due = started + n * interval;
      const wait = due - now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      inFlight.push(post(n));
    }
    await Promise.all(inFlight);
  }
  const ingestDone = now();
  const expected = load.messages * load.endpoints;
  const deliveredAll = load.endpoints === 0 ? ingestDone : await waitForDistinct(receiver, expected, 300_000);
  const wall = (deliveredAll - started) / 1000;
  const shares = watched
    .map(([who, pid], i) => `${who} ${(((cpuSeconds(pid) - watchedBefore[i]!) / wall) * 100).toFixed(0)}%`)
    .concat(`measured side ${(((sumOf(readCpu()) - cpuBefore) / wall) * 100).toFixed(0)}%`)
    .join(', ');
  const byProcessAfter = await cpuOnceQuiet(target.pids, readCpu);
  const cpuMicroseconds = (sumOf(byProcessAfter) - cpuBefore) * 1e6;
  const perUnit = Math.max(expected, load.messages);
  const byProcess = byProcessAfter.map((seconds, i) => ((seconds - byProcessBefore[i]!) * 1e6) / perUnit);
  const threads = target.pids[0] === undefined ? [] : threadCpuSince(target.pids[0], threadsBefore)
    .map(({ tid, name, seconds }) => ({ tid, name, microseconds: (seconds * 1e6) / perUnit }));
  await api.close();

  const { arrivals } = await receiver.ask<{ arrivals: Array<[string, number]> }>('arrivals');
  const count = await receiver.ask<ReceiverCount>('count');
  const signatures = await receiver.ask<SignatureCheck>('signatures');
  const sendLatencies: number[] = [];
  const ackLatencies: number[] = [];
  for (const [key, at] of arrivals) {
    const id = key.split(' ')[0]!;
    const sent = sentAt.get(id);
    const accepted = acceptedAt.get(id);
    if (sent !== undefined) sendLatencies.push(at - sent);
    if (accepted !== undefined) ackLatencies.push(at - accepted);
  }
  sendLatencies.sort((a, b) => a - b);
  ackLatencies.sort((a, b) => a - b);
  return {
    ingestPerSecond: load.messages / ((ingestDone - started) / 1000),
    deliveriesPerSecond: expected / wall,
    sendToReceipt: { p50: percentile(sendLatencies, 50), p99: percentile(sendLatencies, 99) },
    ackToReceipt: { p50: percentile(ackLatencies, 50), p99: percentile(ackLatencies, 99) },
    cpuMicrosecondsPerDelivery: cpuMicroseconds / expected,
    cpuMicrosecondsPerDeliveryByProcess: byProcess,
    cpuMicrosecondsPerMessage: cpuMicroseconds / load.messages,
    received: count.received,
    distinct: count.distinct,
    duplicates: count.received - count.distinct,
    signatures,
    shares,
    threads,
  };
}
