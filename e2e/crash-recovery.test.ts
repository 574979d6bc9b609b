import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException, Svix } from 'svix';
import { cleanupList, TEST_ADMIN_TOKEN, eventually, spawnHerald, startReceiver, tempDir, testEnv, type HeraldProcess } from '@herald/testing';

const TOTAL = 2_000;
const CONCURRENCY = 16;

// Every cleanup runs even if another fails, so that a Herald or a server left running cannot hang the file.
const cleanups = cleanupList();
after(() => cleanups.run());

/**
 * Promise 1, "202 means committed": SIGKILL the Herald process while 2,000 messages are being posted
 * and delivered, start it again on the same data, and every message that got a 202 arrives.
 */
test('kill -9 during a run of 2,000 messages loses no accepted message; duplicates keep their webhook-id', async () => {
  const receiver = await startReceiver();
  const dir = tempDir();
  cleanups.add(() => receiver.close(), () => dir.remove());
  const env = testEnv(dir.path, { HERALD_RETRY_SCHEDULE: '1s,1s,1s,1s,1s', HERALD_SQLITE_SYNCHRONOUS: 'FULL' });

  let herald: HeraldProcess = await spawnHerald(env);
  cleanups.add(() => {
    herald.child.kill('SIGKILL');
  });
  const svix = (url: string) => new Svix(TEST_ADMIN_TOKEN, { serverUrl: url, numRetries: 0 } as never);
  const app = await svix(herald.url).application.create({ name: 'crash' });
  await svix(herald.url).endpoint.create(app.id, { url: receiver.url });

  const accepted = new Set<string>();
  /** The id each payload was accepted under: every payload is posted once, so it has one id. */
  const acceptedIdOf = new Map<number, string>();
  let next = 0;
  let killed = false;
  const client = svix(herald.url);
  const post = async (): Promise<void> => {
    while (!killed && next < TOTAL) {
      const n = next++;
      try {
        const message = await client.message.create(app.id, { eventType: 'load.test', payload: { n } });
        accepted.add(message.id);
        acceptedIdOf.set(n, message.id);
      } catch (error) {
        // Only the kill may end a poster, with the connection it cut. An answer from Herald (a 5xx,
        // a 429), or any failure before the kill, is a failure of the test, not the end of the run.
        if (killed && !(error instanceof ApiException)) return;
        throw error;
      }
    }
  };
  // Kill at a random instant once ingest and delivery are both under way, not between requests.
  const killer = (async () => {
    await eventually(() => (accepted.size >= 200 ? true : undefined), 30_000, '200 accepted messages');
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 500));
    killed = true;
    herald.child.kill('SIGKILL');
  })();
  await Promise.all([...Array.from({ length: CONCURRENCY }, post), killer]);
  await herald.exited;
  const acceptedBeforeKill = accepted.size;
  assert.ok(acceptedBeforeKill < TOTAL, 'the kill landed mid-run');

  herald = await spawnHerald(env);
  const after = svix(herald.url);
  while (next < TOTAL) {
    const batch = Array.from({ length: Math.min(CONCURRENCY, TOTAL - next) }, () => next++);
    await Promise.all(batch.map(async (n) => {
      const { id } = await after.message.create(app.id, { eventType: 'load.test', payload: { n } });
      accepted.add(id);
      acceptedIdOf.set(n, id);
    }));
  }

  await eventually(() => {
    const seen = new Set(receiver.requests.map((request) => request.headers['webhook-id']));
    return [...accepted].every((id) => seen.has(id)) ? true : undefined;
  }, 60_000, 'every accepted message to arrive');

  // Each payload was posted once, so every copy of it that arrives must carry one and the same
  // webhook-id (the accepted one, when its 202 reached us): a resend under a new id would let a
  // receiver that deduplicates by id act twice. And one id never carries two payloads.
  const idsByPayload = new Map<number, Set<string>>();
  const bodiesById = new Map<string, Set<string>>();
  for (const request of receiver.requests) {
    const id = request.headers['webhook-id']!;
    assert.match(id, /^msg_/);
    const { n } = JSON.parse(request.body) as { n: number };
    idsByPayload.set(n, (idsByPayload.get(n) ?? new Set()).add(id));
    bodiesById.set(id, (bodiesById.get(id) ?? new Set()).add(request.body));
  }
  for (const [n, ids] of idsByPayload) {
    assert.equal(ids.size, 1, `payload ${n} arrived under ${ids.size} webhook-ids: ${[...ids].join(', ')}`);
    const acceptedId = acceptedIdOf.get(n);
    if (acceptedId !== undefined) assert.ok(ids.has(acceptedId), `payload ${n} arrived under the id it was accepted with`);
  }
  for (const [id, bodies] of bodiesById) assert.equal(bodies.size, 1, `every copy of ${id} carries the same body`);
  const duplicates = receiver.requests.length - bodiesById.size;
  // Messages posted when the kill landed may have committed without their 202 reaching us; they may
  // arrive too, under one id each, and that is fine. What must never happen is an accepted one
  // missing (checked above).
  process.stdout.write(`# accepted ${accepted.size}, received ${receiver.requests.length}, duplicates ${duplicates}, killed after ${acceptedBeforeKill}\n`);
  herald.child.kill('SIGTERM');
  await herald.exited;
});
