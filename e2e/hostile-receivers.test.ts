import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  cleanupList, TEST_ADMIN_TOKEN, apiClient, eventually, gzipBomb, hugeBody, neverAnswers, slowHeaders, spawnHerald, startReceiver,
  tempDir, testEnv, tricklesBody, watchTimerLag, type ApiCall, type HeraldProcess, type HostileReceiver, type Receiver,
} from '@herald/testing';

// Every cleanup runs even if another fails, so that a Herald or a server left running cannot hang the file.
const cleanups = cleanupList();
after(() => cleanups.run());

const DEADLINE_MS = 2_000;
const ORIGIN_CONCURRENCY = 4;
const SLOW_BACKLOG = 100;
const HEALTHY_MESSAGES = 30;
const WORKER_CONCURRENCY = 32;

/** Resident memory of a process, all its threads included (Linux). */
function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]) * 1024;
}

async function createApp(call: ApiCall, name: string, url: string): Promise<{ appId: string; endpointId: string }> {
  const app = (await call('POST', '/app', { name })).body;
  const endpoint = await call('POST', `/app/${app.id}/endpoint`, { url });
  assert.equal(endpoint.status, 201);
  return { appId: app.id, endpointId: endpoint.body.id };
}

type AttemptOut = { url: string; response: string; responseDurationMs: number; status: number };

const post = (call: ApiCall, appId: string, n: number) => call('POST', `/app/${appId}/msg`, { eventType: 'hostile.test', payload: { n } });

/**
 * One Herald process (so its memory can be measured, sender threads included) with a small worker,
 * so that one slow origin could fill it if nothing stopped it, and one attempt per message.
 * The tests run in order and share it: the memory test measures the whole hostile run.
 */
let herald: HeraldProcess;
let call: ApiCall;
let silent: HostileReceiver;
let healthy: Receiver;
let hostile: Record<'headers' | 'trickle' | 'huge' | 'bomb', HostileReceiver>;
let slow: { appId: string; endpointId: string };
let memory: { baseline: number; peak: number; sampler: NodeJS.Timeout };
/** This process's timer lateness since the warm-up: the receivers' clock reads late by as much. */
let lag: ReturnType<typeof watchTimerLag>;

before(async () => {
  let headers, trickle, huge, bomb;
  [silent, headers, trickle, huge, bomb, healthy] = await Promise.all([
    neverAnswers(), slowHeaders(), tricklesBody(), hugeBody(), gzipBomb(), startReceiver(),
  ]);
  hostile = { headers, trickle, huge, bomb };
  const dir = tempDir();
  cleanups.add(() => dir.remove());
  for (const receiver of [silent, headers, trickle, huge, bomb, healthy]) cleanups.add(() => receiver.close());
  herald = await spawnHerald(testEnv(dir.path, {
    HERALD_DELIVERY_DEADLINE: `${DEADLINE_MS}ms`,
    HERALD_WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
    HERALD_ORIGIN_CONCURRENCY: String(ORIGIN_CONCURRENCY),
    HERALD_SENDER_THREADS: '1',
    HERALD_RETRY_SCHEDULE: '1h',
  }));
  cleanups.add(() => void herald.child.kill('SIGKILL'));
  call = apiClient(herald.url, TEST_ADMIN_TOKEN);
  slow = await createApp(call, 'slow', silent.url);

  // Warm up every code path of a delivery, and the heaps, before taking the memory baseline.
  const warmUp = (await createApp(call, 'warm-up', healthy.url)).appId;
  await Promise.all(Array.from({ length: 200 }, (_, n) => post(call, warmUp, n)));
  await healthy.waitFor(200);
  const baseline = rssBytes(herald.child.pid!);
  memory = { baseline, peak: baseline, sampler: setInterval(() => (memory.peak = Math.max(memory.peak, rssBytes(herald.child.pid!))), 50) };
  cleanups.add(() => clearInterval(memory.sampler));
  // Started after the warm-up, whose 200 requests at once stall this process for a while, before
  // any hostile receiver gets a request.
  lag = watchTimerLag();
  cleanups.add(() => void lag.stop());
});

test('a slow origin cannot starve a healthy endpoint: its requests stay at the origin limit and the healthy deliveries all arrive first', async () => {
  const healthyApp = (await createApp(call, 'healthy', healthy.url)).appId;
  for (let n = 0; n < SLOW_BACKLOG; n++) assert.equal((await post(call, slow.appId, n)).status, 202);
  await eventually(() => (silent.stats.open === ORIGIN_CONCURRENCY ? true : undefined), 10_000, 'the slow origin to be saturated');

  const before = healthy.requests.length;
  await Promise.all(Array.from({ length: HEALTHY_MESSAGES }, (_, n) => post(call, healthyApp, 100 + n)));
  // Without per-origin isolation the worker's slots would be full of the slow backlog, claimed in
  // order, and no healthy message could be claimed before all but WORKER_CONCURRENCY of the
  // backlog had timed out: that count, not a guess at how long a loaded machine needs, is the
  // bound. The wait is long enough (17 deadlines and more) for a broken build to reach it.
  const unisolatedWait = SLOW_BACKLOG - WORKER_CONCURRENCY;
  await healthy.waitFor(before + HEALTHY_MESSAGES, (unisolatedWait / ORIGIN_CONCURRENCY + 5) * DEADLINE_MS);
  assert.ok(silent.stats.closedByClient < unisolatedWait,
    `the healthy endpoint waited for ${silent.stats.closedByClient} attempts to the slow one; without isolation it would wait for ${unisolatedWait}`);
  assert.deepEqual(healthy.requests.slice(before).map((request) => JSON.parse(request.body).n).sort((a, b) => a - b),
    Array.from({ length: HEALTHY_MESSAGES }, (_, n) => 100 + n));
  assert.ok(silent.stats.peakOpen <= ORIGIN_CONCURRENCY, `${silent.stats.peakOpen} requests in flight to one origin`);
});

test('never answering, headers a byte a second, a body trickled forever, 1 GB, a gzip bomb: each attempt ends by the deadline + 1 s with at most 64 KiB stored', async () => {
  const hostileApp = (await call('POST', '/app', { name: 'hostile' })).body.id as string;
  for (const receiver of Object.values(hostile)) {
    assert.equal((await call('POST', `/app/${hostileApp}/endpoint`, { url: receiver.url })).status, 201);
  }
  const hostileMessage = (await post(call, hostileApp, 0)).body.id as string;
  const attempts = await eventually(async () => {
    const listed = (await call('GET', `/app/${hostileApp}/attempt/msg/${hostileMessage}`)).body.data as AttemptOut[];
    return listed.length === 4 ? listed : undefined;
  }, 15_000, 'an attempt to each hostile receiver');
  const silentAttempts = await eventually(async () => {
    const listed = (await call('GET', `/app/${slow.appId}/attempt/endpoint/${slow.endpointId}`)).body.data as AttemptOut[];
    return listed.length >= ORIGIN_CONCURRENCY ? listed : undefined;
  }, 15_000, 'attempts to the silent receiver');

  for (const attempt of [...attempts, ...silentAttempts]) {
    assert.ok(Buffer.byteLength(attempt.response) <= 65_536, `${attempt.url} stored ${Buffer.byteLength(attempt.response)} bytes`);
  }
  // Timed on the receivers, not with Herald's own responseDurationMs: from the request's arrival to
  // its close, as the receiver lived it. Their clock reads late by this process's own timer lag,
  // which is added; the second of slack is the claim's.
  const timedOnReceivers = Object.entries({ ...hostile, silent });
  // Herald recorded each attempt after it closed the connection; the close may still be on its way here.
  await eventually(() => timedOnReceivers.every(([, receiver]) => receiver.stats.durationsMs.length > 0) || undefined, 5_000, 'every attempt closed');
  const bound = DEADLINE_MS + 1_000 + lag.maxMs();
  for (const [name, receiver] of timedOnReceivers) {
    for (const ms of receiver.stats.durationsMs) assert.ok(ms <= bound, `${name}: an attempt lasted ${ms.toFixed(0)} ms; the bound was ${bound.toFixed(0)} ms`);
  }
  for (const attempt of silentAttempts) assert.match(attempt.response, /^timeout/);
  for (const [name, receiver] of Object.entries(hostile)) assert.equal(receiver.stats.requests, 1, `${name}: one attempt, nothing sent again`);
  const byUrl = new Map(attempts.map((attempt) => [attempt.url, attempt]));
  assert.match(byUrl.get(hostile.headers.url)!.response, /^timeout/, 'headers a byte a second: timed out');
  assert.match(byUrl.get(hostile.trickle.url)!.response, /^timeout/, 'a body trickled forever: timed out');
  assert.equal(Buffer.byteLength(byUrl.get(hostile.huge.url)!.response), 65_536, '1 GB body: the first 64 KiB kept');
  // 1f 8b is gzip's magic number; 0x8b alone is not UTF-8, so it is stored as U+FFFD.
  assert.ok(byUrl.get(hostile.bomb.url)!.response.startsWith('\x1f\ufffd'), 'the gzip bomb was stored as sent, not inflated');
});

test('through all of it, the sending process grew by less than 50 MB', () => {
  clearInterval(memory.sampler);
  memory.peak = Math.max(memory.peak, rssBytes(herald.child.pid!));
  assert.ok(memory.peak - memory.baseline < 50 * 1024 ** 2, `memory grew by ${((memory.peak - memory.baseline) / 1024 ** 2).toFixed(1)} MB`);
});
