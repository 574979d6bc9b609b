// `npm run bench:inbound`: the inbound gateway's receive path, measured in one run on this machine,
// beside the raw node:http ceiling. One GitHub source with 2 ingest endpoints (both match, so each
// request becomes one message with 2 deliveries). Herald runs embedded (SQLite, synchronous=FULL) in
// its own process; the receiver (which is also the raw ceiling's server) in another; the load
// generator here. Figures: accepted requests/s at full load; the 2xx's p50/p99 at a fixed rate
// (BENCH_RATE, default 1000/s); Herald's CPU per accepted request beside its CPU per accepted
// outbound message (POST .../msg), measured the same way in the same run.
import { fork, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { SecretBox, generateSecret, newId } from '@herald/core';
import { newSourceToken, withSecretEncryption } from '@herald/storage';
import { SqliteStore } from '@herald/storage-sqlite';
import { TEST_ADMIN_TOKEN, spawnHerald, tempDir, testEnv } from '@herald/testing';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10_000);
const RATE = Number(process.env.BENCH_RATE ?? 1_000);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const GITHUB_SECRET = 'bench-github-secret';
const KEY = Buffer.alloc(32, 5).toString('base64');

const now = () => performance.timeOrigin + performance.now();

function startReceiver(): Promise<{ child: ChildProcess; url: string; ask: <T>(type: string) => Promise<T> }> {
  const child = fork(fileURLToPath(new URL('./receiver-process.ts', import.meta.url)), { execArgv: ['--import', 'tsx'] });
  const ask = <T>(type: string) => new Promise<T>((resolve) => {
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

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** A GitHub push delivery, signed as GitHub signs it; each with its own delivery id (no duplicates). */
function githubRequest(n: number, run: string) {
  const body = JSON.stringify({ ref: 'refs/heads/main', after: `c${n}`, repository: { full_name: 'acme/shop' }, padding: 'x'.repeat(64) });
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': `${run}-${n}`,
      'x-hub-signature-256': `sha256=${createHmac('sha256', GITHUB_SECRET).update(body).digest('hex')}`,
    },
  };
}

/** The raw ceiling: the same requests to a bare node:http server that answers 200 at once. */
async function ceiling(receiverUrl: string, total: number): Promise<number> {
  const pool = new Pool(receiverUrl, { connections: CONCURRENCY });
  let sent = 0;
  const started = now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (sent < total) {
      const request = githubRequest(sent++, 'ceiling');
      const response = await pool.request({ path: '/ceiling', method: 'POST', ...request });
      await response.body.text();
    }
  }));
  const rate = total / ((now() - started) / 1000);
  await pool.close();
  return rate;
}

/** Closed loop, CONCURRENCY at once: how many requests Herald accepts per second, and its CPU for each. */
async function fullLoad(pool: Pool, path: string, total: number, heraldPid: number, make: (n: number) => { body: string; headers: Record<string, string> }) {
  let next = 0;
  let refused = 0;
  const latencies: number[] = [];
  const cpuBefore = cpuSeconds(heraldPid);
  const started = now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < total) {
      const request = make(next++);
      const sentAt = now();
      const response = await pool.request({ path, method: 'POST', ...request });
      await response.body.text();
      latencies.push(now() - sentAt);
      if (response.statusCode >= 300) refused++;
    }
  }));
  const seconds = (now() - started) / 1000;
  if (refused > 0) throw new Error(`${refused} of ${total} requests to ${path} were refused`);
  latencies.sort((a, b) => a - b);
  return {
    perSecond: total / seconds, cpuMicroseconds: ((cpuSeconds(heraldPid) - cpuBefore) * 1e6) / total,
    p50: percentile(latencies, 50), p99: percentile(latencies, 99),
  };
}

/** Open loop at a fixed rate: each request is sent on schedule whether or not earlier ones were answered. */
async function fixedRate(pool: Pool, path: string, rate: number, seconds: number, run: string) {
  const total = rate * seconds;
  const latencies: number[] = [];
  const pending: Array<Promise<void>> = [];
  const started = now();
  let refused = 0;
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / rate;
    const wait = due - now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const request = githubRequest(n, run);
    const sentAt = now();
    pending.push(pool.request({ path, method: 'POST', ...request }).then(async (response) => {
      await response.body.text();
      if (response.statusCode >= 300) refused++;
      latencies.push(now() - sentAt);
    }));
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), achieved: total / ((now() - started) / 1000), refused };
}

async function waitForCount(ask: <T>(type: string) => Promise<T>, target: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { received } = await ask<{ received: number }>('count');
    if (received >= target) return now();
    if (Date.now() > deadline) throw new Error(`receiver got ${received} of ${target} in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function main(): Promise<void> {
  const receiver = await startReceiver();
  const dir = tempDir('herald-bench-inbound-');
  // The source and its endpoints are written before Herald starts, through the store it will open.
  const store = withSecretEncryption(new SqliteStore({ path: join(dir.path, 'herald.db') }), SecretBox.fromBase64([KEY]));
  await store.migrate();
  const token = `bench_${newId('src').slice(4)}`;
  const source = await store.createSource({
    id: newId('src'), uid: null, name: 'bench', type: 'github', config: { secret: GITHUB_SECRET }, metadata: {}, appId: newId('app'),
    disabled: false, allowedCidrs: null, rateLimit: null, response: null, dedupe: null,
  }, newSourceToken(token), Date.now());
  for (const [i, filter] of [[0, { headers: { 'x-github-event': 'push' } }], [1, null]] as const) {
    await store.createEndpoint({
      id: newId('ep'), appId: source.appId, uid: null, url: `${receiver.url}/ep${i}`, description: '', disabled: false, eventTypes: null,
      channels: null, headers: {}, throttleRate: null, metadata: {}, version: 1, secret: generateSecret(), filter, forwardHeaders: ['x-github-event'],
    }, Date.now());
  }
  // A second source with no endpoints: its requests are received, verified, committed and routed
  // to nothing, so its CPU per request compares with an outbound message to no endpoints.
  const bareToken = `bench_${newId('src').slice(4)}`;
  await store.createSource({
    id: newId('src'), uid: null, name: 'bench-bare', type: 'github', config: { secret: GITHUB_SECRET }, metadata: {}, appId: newId('app'),
    disabled: false, allowedCidrs: null, rateLimit: null, response: null, dedupe: null,
  }, newSourceToken(bareToken), Date.now());
  await store.close();

  const herald = await spawnHerald(testEnv(dir.path, {
    HERALD_SQLITE_SYNCHRONOUS: process.env.BENCH_SYNCHRONOUS ?? 'FULL', HERALD_ENCRYPTION_KEY: KEY, HERALD_RETRY_SCHEDULE: '5s,5m',
    ...Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[0].startsWith('HERALD_') && entry[1] !== undefined)),
  }), 20_000, (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((arg) => arg.length > 0));
  const pid = herald.child.pid!;
  const pool = new Pool(herald.url, { connections: CONCURRENCY });
  const path = `/in/${token}`;
  try {
    process.stdout.write(`Herald inbound bench: 1 GitHub source, 2 endpoints; ${REQUESTS} requests at concurrency ${CONCURRENCY}; ${RATE}/s for ${RATE_SECONDS} s\n`);
    // Outbound messages for comparison: an application with no endpoints, so only the accept is measured.
    const api = async (apiPath: string, body: unknown) => {
      const response = await pool.request({ path: apiPath, method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return JSON.parse(await response.body.text()) as { id: string };
    };
    const app = await api('/api/v1/app', { name: 'bench-outbound' });
    const message = (n: number) => ({
      body: JSON.stringify({ eventType: 'bench.event', payload: { n, padding: 'x'.repeat(64) } }),
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    });
    // Warm-up of both paths: a running server is warm.
    await ceiling(receiver.url, 2_000);
    await fullLoad(pool, path, 2_000, pid, (n) => githubRequest(n, 'warm'));
    await fullLoad(pool, `/api/v1/app/${app.id}/msg?with_content=false`, 2_000, pid, message);
    await waitForCount(receiver.ask, 4_000, 120_000);
    await receiver.ask('reset');

    const rawCeiling = Math.max(await ceiling(receiver.url, REQUESTS), await ceiling(receiver.url, REQUESTS));
    await receiver.ask('reset');
    const startedAt = now();
    const cpuAtStart = cpuSeconds(pid);
    const inbound = await fullLoad(pool, path, REQUESTS, pid, (n) => githubRequest(n, 'load'));
    const forwardedAt = await waitForCount(receiver.ask, REQUESTS * 2, 300_000);
    const wholeCpuMicroseconds = ((cpuSeconds(pid) - cpuAtStart) * 1e6) / REQUESTS;
    const outbound = await fullLoad(pool, `/api/v1/app/${app.id}/msg?with_content=false`, REQUESTS, pid, (n) => message(n + 10_000_000));
    const bare = await fullLoad(pool, `/in/${bareToken}`, REQUESTS, pid, (n) => githubRequest(n, 'bare'));
    await receiver.ask('reset');
    const steady = await fixedRate(pool, path, RATE, RATE_SECONDS, 'rate');
    await waitForCount(receiver.ask, RATE * RATE_SECONDS * 2, 300_000);

    const rows: Array<[string, string, string]> = [
      ['raw node:http ceiling (same requests)', `${rawCeiling.toFixed(0)} req/s`, ''],
      ['inbound: accepted at full load', `${inbound.perSecond.toFixed(0)} req/s`, `${((inbound.perSecond / rawCeiling) * 100).toFixed(0)}% of ceiling`],
      [`inbound: 2xx p50 / p99 at full load (${CONCURRENCY} at once)`, `${inbound.p50.toFixed(1)} / ${inbound.p99.toFixed(1)} ms`, ''],
      ['inbound: every forward delivered (2 per request)', `${((REQUESTS * 2) / ((forwardedAt - startedAt) / 1000)).toFixed(0)} /s`, ''],
      [`inbound: 2xx p50 / p99 at ${RATE}/s`, `${steady.p50.toFixed(1)} / ${steady.p99.toFixed(1)} ms`, `achieved ${steady.achieved.toFixed(0)}/s, ${steady.refused} refused`],
      ['inbound: Herald CPU per request while accepting', `${inbound.cpuMicroseconds.toFixed(0)} µs`, 'receive, verify, commit (and what routing overlapped)'],
      ['inbound: Herald CPU per request, accept to delivered', `${wholeCpuMicroseconds.toFixed(0)} µs`, 'also routing and 2 signed deliveries'],
      ['inbound, no endpoints: accepted at full load', `${bare.perSecond.toFixed(0)} req/s`, ''],
      ['inbound, no endpoints: Herald CPU per request', `${bare.cpuMicroseconds.toFixed(0)} µs`, 'receive, verify, commit, route to nothing'],
      ['outbound: accepted messages at full load', `${outbound.perSecond.toFixed(0)} msg/s`, ''],
      ['outbound: Herald CPU per accepted message', `${outbound.cpuMicroseconds.toFixed(0)} µs`, 'no endpoints: the accept alone'],
    ];
    for (const [label, value, note] of rows) process.stdout.write(`${label.padEnd(50)} ${value.padStart(18)}  ${note}\n`);
    // Issue 12's targets, judged on this run's own figures.
    process.stdout.write(`target: 2xx p99 under 20 ms at ${RATE}/s: ${steady.p99 < 20 ? 'met' : 'missed'} (${steady.p99.toFixed(1)} ms); `
      + `CPU per accepted request no more than an outbound message's: ${bare.cpuMicroseconds <= outbound.cpuMicroseconds ? 'met' : 'missed'} `
      + `(${bare.cpuMicroseconds.toFixed(0)} vs ${outbound.cpuMicroseconds.toFixed(0)} µs, no endpoints on either side)\n`);
  } finally {
    await pool.close();
    herald.child.kill('SIGTERM');
    await herald.exited;
    receiver.child.send({ type: 'stop' });
    dir.remove();
  }
}

await main();
