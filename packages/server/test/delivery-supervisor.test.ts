import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from 'node:worker_threads';
import pino from 'pino';
import { SecretBox, UnavailableError, newId, noOperationalEvents } from '@herald/core';
import { noDeliveryMetrics } from '@herald/delivery';
import { withSecretEncryption, type NewMessage } from '@herald/storage';
import { newApplication, newEndpoint } from '@herald/storage/testing';
import { SqliteStore } from '@herald/storage-sqlite';
import { cleanupList, eventually, tempDir } from '@herald/testing';
import { DeliveryThread } from '../src/delivery-thread/client.ts';
import { DeliverySupervisor } from '../src/delivery-thread/supervisor.ts';

const cleanups = cleanupList();
after(() => cleanups.run());
const silent = pino({ level: 'silent' });

/** A migrated SQLite file, and a supervisor whose threads deliver from it; counts the threads started. */
async function supervised(restartDelayMs: number) {
  const dir = tempDir();
  cleanups.add(() => dir.remove());
  const dbPath = `${dir.path}/herald.db`;
  const encryptionKeys = [SecretBox.generateKey()];
  const sqlite = new SqliteStore({ path: dbPath });
  await sqlite.migrate();
  cleanups.add(() => sqlite.close());
  const threads: DeliveryThread[] = [];
  let restarts = 0;
  const supervisor = new DeliverySupervisor({
    start: (exitedUnexpectedly) => {
      const thread = new DeliveryThread({
        dbPath, synchronous: 'FULL', encryptionKeys, logLevel: 'silent', sender: { allowPrivateTargets: true }, senderThreads: 1,
        retryScheduleMs: [1_000], failureWindowMs: 86_400_000, maxInFlight: 16, maxPerOrigin: 16,
      }, { metrics: noDeliveryMetrics, operational: noOperationalEvents, endpointsChanged: () => {}, exitedUnexpectedly }, silent);
      threads.push(thread);
      return thread;
    },
    recoverLeases: () => sqlite.expireAllLeases(Date.now()),
    logger: silent,
    restartDelayMs,
    restarted: () => restarts++,
  });
  cleanups.add(() => supervisor.stop());
  const store = withSecretEncryption(sqlite, SecretBox.fromBase64(encryptionKeys));
  /** Ends the newest thread as an uncaught error would, and waits until the supervisor has seen it. */
  const kill = async () => {
    await (threads.at(-1) as unknown as { worker: Worker }).worker.terminate();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { store, sqlite, supervisor, threads, kill, restarts: () => restarts };
}

/** A receiver that leaves the first request unanswered and answers 200 to every later one. */
async function receiverHoldingTheFirst() {
  const arrivals: string[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      arrivals.push(String(request.headers['webhook-id']));
      if (arrivals.length === 1) held.push(response);
      else response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.add(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, arrivals };
}

test('a delivery thread that dies is replaced: ingest answers 503 meanwhile, and what it held is sent again', { timeout: 30_000 }, async () => {
  const { store, supervisor, threads, kill, restarts } = await supervised(200);
  const receiver = await receiverHoldingTheFirst();
  const app = await store.createApplication(newApplication(), Date.now());
  const endpoint = await store.createEndpoint(newEndpoint(app.id, { url: receiver.url }), Date.now());
  const messageFor = (n: number): NewMessage => ({
    message: { id: newId('msg'), appId: app.id, eventType: 'order.paid', eventId: null, channels: null, tags: null, payload: JSON.stringify({ n }), createdAt: Date.now() },
    endpointIds: [endpoint.id],
  });

  // The first message is sent at once, and its receiver keeps the request open: the thread holds it.
  const first = messageFor(1);
  assert.deepEqual(await supervisor.commitMessages([first], Date.now()), [null]);
  await eventually(() => receiver.arrivals.length === 1 || undefined, 10_000, 'the first request');

  await kill();
  await assert.rejects(supervisor.commitMessages([messageFor(2)], Date.now()), (error: unknown) => {
    assert.ok(error instanceof UnavailableError, String(error));
    assert.equal(error.status, 503);
    return true;
  });

  // A client retrying its 503 gets through once the new thread is up.
  const second = messageFor(3);
  await eventually(async () => (await supervisor.commitMessages([second], Date.now()).catch(() => [new UnavailableError()]))[0] === null || undefined,
    10_000, 'a commit through the new thread');
  assert.equal(threads.length, 2);
  assert.equal(restarts(), 1, 'the restart is reported (to the metrics)');

  // The held delivery went back to the queue and out again, with its webhook-id; the new one went out too.
  await eventually(() => (receiver.arrivals.includes(second.message.id)
    && receiver.arrivals.filter((id) => id === first.message.id).length === 2) || undefined, 10_000, 'both messages');
  const attempts = await eventually(async () => {
    const page = await store.listAttemptsByMessage(app.id, first.message.id, { limit: 10 });
    return page.data.length > 0 ? page : undefined;
  }, 10_000, 'the attempt on record');
  assert.equal(attempts.data.length, 1, 'the answered request is on record; the one cut off by the dead thread is not');
  assert.equal(attempts.data[0]!.responseStatusCode, 200);
});

test('a supervisor stopped while a restart is pending starts no other thread', { timeout: 15_000 }, async () => {
  const stopped = await supervised(300);
  // A control supervisor over stand-in threads (no real thread needed to time a restart), whose
  // thread dies after the stopped one's, with the same restart delay: its restart timer fires after
  // the one the stop cancelled would have (timers of one delay fire in the order they were set), so
  // once the control has restarted, the stopped supervisor has had its chance to, and did not.
  const deaths: Array<(code: number) => void> = [];
  let controlRestarts = 0;
  const control = new DeliverySupervisor({
    start: (exitedUnexpectedly) => {
      deaths.push(exitedUnexpectedly);
      return { stop: async () => {} } as unknown as DeliveryThread;
    },
    recoverLeases: async () => 0,
    logger: silent,
    restartDelayMs: 300,
    restarted: () => controlRestarts++,
  });
  cleanups.add(() => control.stop());
  await stopped.kill();
  await stopped.supervisor.stop();
  deaths[0]!(1);
  await eventually(() => controlRestarts === 1 || undefined, 10_000, "the control's restart");
  assert.equal(deaths.length, 2, 'the control started a new thread');
  assert.equal(stopped.threads.length, 1);
  assert.equal(stopped.restarts(), 0);
});
