import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { MessageStatus, newId, type Message } from '@herald/core';
import type { Store } from '@herald/storage';
import { SqliteStore } from '@herald/storage-sqlite';
import { cleanupList } from '@herald/testing';
import { HttpSender } from '../src/http-sender.ts';
import { DeliveryWorker } from '../src/worker.ts';

// Every cleanup runs even if another fails, so that a Herald or a server left running cannot hang the file.
const cleanups = cleanupList();
after(() => cleanups.run());

async function loopback(answer: boolean): Promise<{ url: string; open: () => number; received: () => number }> {
  let open = 0;
  let received = 0;
  const server: Server = createServer((request, response) => {
    received++;
    open++;
    response.on('close', () => open--);
    request.resume();
    if (answer) request.on('end', () => response.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.add(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, open: () => open, received: () => received };
}

async function queue(store: Store, endpointId: string, appId: string, count: number): Promise<void> {
  const now = Date.now();
  await store.createMessages(Array.from({ length: count }, () => ({
    message: { id: newId('msg'), appId, eventType: 'x.y', eventId: null, channels: null, tags: null, payload: '{}', createdAt: now },
    endpointIds: [endpointId],
  })), now);
}

/** A real SQLite store behind a proxy that may replace some of its methods, and endpoints on it. */
async function fixture(replace: (sqlite: SqliteStore) => Partial<Store>) {
  const dir = mkdtempSync(join(tmpdir(), 'herald-isolation-'));
  cleanups.add(() => rmSync(dir, { recursive: true, force: true }));
  const sqlite = new SqliteStore({ path: join(dir, 'herald.db'), synchronous: 'NORMAL' });
  await sqlite.migrate();
  cleanups.add(() => sqlite.close());
  const replaced = replace(sqlite);
  const store = new Proxy(sqlite, {
    get(target, name, receiver) {
      if (Object.hasOwn(replaced, name)) return replaced[name as keyof Store];
      const value = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const app = await sqlite.createApplication({ id: newId('app'), uid: null, name: 'a', throttleRate: null, metadata: {} }, Date.now());
  const endpoint = async (url: string) => (await sqlite.createEndpoint({
    id: newId('ep'), appId: app.id, uid: null, url, description: '', disabled: false, eventTypes: null, channels: null,
    headers: {}, throttleRate: null, metadata: {}, version: 1, secret: `whsec_${'A'.repeat(32)}`,
  }, Date.now())).id;
  return { sqlite, store, appId: app.id, endpoint };
}

function startWorker(store: Store, maxInFlight: number, maxPerOrigin: number): DeliveryWorker {
  const sender = new HttpSender({ allowPrivateTargets: true, deadlineMs: 10_000, connectionsPerOrigin: maxPerOrigin });
  const worker = new DeliveryWorker({
    store, sender, logger: pino({ level: 'silent' }), maxInFlight, maxPerOrigin,
    policy: { retryScheduleMs: [3_600_000], failureWindowMs: 86_400_000, random: Math.random },
  });
  cleanups.add(async () => {
    const stopped = worker.stop();
    await sender.close();
    await stopped;
  });
  return worker;
}

test('while one origin is saturated the worker neither spins on its backlog nor stops serving the others', { timeout: 20_000 }, async () => {
  let claims = 0;
  // The real store, with its claims counted.
  const { sqlite, store, appId, endpoint } = await fixture((target) => ({
    claimDeliveries: (...args: Parameters<Store['claimDeliveries']>) => (claims++, target.claimDeliveries(...args)),
  }));
  const [silent, healthy] = [await loopback(false), await loopback(true)];
  const [slowId, healthyId] = [await endpoint(silent.url), await endpoint(healthy.url)];

  const worker = startWorker(store, 8, 2);
  await queue(sqlite, slowId, appId, 50);
  worker.start();
  for (let waited = 0; silent.open() < 2; waited += 10) {
    assert.ok(waited < 5_000, 'the slow origin was never saturated');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }

  const claimsBefore = claims;
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  assert.ok(claims - claimsBefore <= 3, `${claims - claimsBefore} claims in one idle second of saturation`);

  await queue(sqlite, healthyId, appId, 20);
  worker.wake();
  for (let waited = 0; healthy.received() < 20; waited += 10) {
    assert.ok(waited < 5_000, `the healthy endpoint got ${healthy.received()} of 20`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(silent.received(), 2, 'the slow origin never had more than its share sent');
});

test('a request that is over frees its origin at once: results still being written do not hold back the next ones', { timeout: 20_000 }, async () => {
  // Result writes are held back until the end of the test, as a slow disk would hold them.
  let releaseWrites!: () => void;
  const writesHeld = new Promise<void>((resolve) => (releaseWrites = resolve));
  let written = 0;
  const { sqlite, store, appId, endpoint } = await fixture((target) => ({
    recordResults: async (...args: Parameters<Store['recordResults']>) => {
      await writesHeld;
      written += args[0].length;
      return target.recordResults(...args);
    },
  }));
  const receiver = await loopback(true);
  await queue(sqlite, await endpoint(receiver.url), appId, 6);
  // Room for every delivery in the worker, but only two at a time for their origin.
  startWorker(store, 8, 2).start();
  try {
    for (let waited = 0; receiver.received() < 6; waited += 10) {
      assert.ok(waited < 5_000, `only ${receiver.received()} of 6 sent while the first results were being written`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(written, 0, 'no result was written yet');
  } finally {
    releaseWrites(); // or the worker could never stop
  }
});

function messages(appId: string, endpointId: string, count: number): Array<{ message: Message; endpointIds: string[] }> {
  const now = Date.now();
  return Array.from({ length: count }, () => ({
    message: { id: newId('msg'), appId, eventType: 'x.y', eventId: null, channels: null, tags: null, payload: '{}', createdAt: now },
    endpointIds: [endpointId],
  }));
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    assert.ok(waited < 5_000, what);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('messages committed through the worker are sent at once, with no claim to find them', { timeout: 20_000 }, async () => {
  let claims = 0;
  const { sqlite, store, appId, endpoint } = await fixture((target) => ({
    claimDeliveries: (...args: Parameters<Store['claimDeliveries']>) => (claims++, target.claimDeliveries(...args)),
  }));
  const receiver = await loopback(true);
  const endpointId = await endpoint(receiver.url);
  const worker = startWorker(store, 64, 16);
  worker.start();
  await until(() => claims > 0, 'the worker never looked at the queue');
  await new Promise((resolve) => setTimeout(resolve, 50));
  const claimsBefore = claims;

  const batch = messages(appId, endpointId, 10);
  assert.deepEqual(await worker.commitMessages(batch, Date.now()), batch.map(() => null));
  await until(() => receiver.received() === 10, `the receiver got ${receiver.received()} of 10`);
  const delivered = async () => (await Promise.all(batch.map(async ({ message }) =>
    (await sqlite.listMessageDestinations(appId, message.id, { limit: 1 })).data[0]?.status))).every((status) => status === MessageStatus.Success);
  for (let waited = 0; !(await delivered()); waited += 10) {
    assert.ok(waited < 5_000, 'the results were not recorded');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(claims, claimsBefore, 'neither the messages nor the deliveries that finished caused a claim');
});

test('deliveries the worker has no room for when their messages commit wait for its claims', { timeout: 20_000 }, async () => {
  let claimed = 0;
  const { store, appId, endpoint } = await fixture((target) => ({
    claimDeliveries: async (...args: Parameters<Store['claimDeliveries']>) => {
      const deliveries = await target.claimDeliveries(...args);
      claimed += deliveries.length;
      return deliveries;
    },
  }));
  const receiver = await loopback(true);
  const worker = startWorker(store, 4, 4);
  worker.start();
  const batch = messages(appId, await endpoint(receiver.url), 10);
  assert.deepEqual(await worker.commitMessages(batch, Date.now()), batch.map(() => null));
  await until(() => receiver.received() === 10, `the receiver got ${receiver.received()} of 10`);
  assert.equal(claimed, 6, 'four went out with their commit, the six it had no room for by claims');
});
