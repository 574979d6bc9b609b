import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { SecretBox, generateSecret, newId } from '@herald/core';
import { newSourceToken, withSecretEncryption } from '@herald/storage';
import { SqliteStore } from '@herald/storage-sqlite';
import { cleanupList, eventually, spawnHerald, startReceiver, tempDir, testEnv, type HeraldProcess } from '@herald/testing';

const TOTAL = 2_000;
const CONCURRENCY = 16;
const KEY = Buffer.alloc(32, 3).toString('base64');
const GITHUB_SECRET = 'crash-test-github-secret';

const cleanups = cleanupList();
after(() => cleanups.run());

/** A GitHub push delivery numbered n, signed as GitHub signs it. */
function push(n: number) {
  const body = JSON.stringify({ ref: 'refs/heads/main', n });
  return {
    body,
    headers: {
      'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': `delivery-${n}`,
      'x-hub-signature-256': `sha256=${createHmac('sha256', GITHUB_SECRET).update(body).digest('hex')}`,
    },
  };
}

/**
 * "A 2xx means committed" for inbound requests: SIGKILL Herald while 2,000 signed requests are being
 * received and routed, start it again on the same data, and every request that got a 2xx is
 * forwarded; a request forwarded twice (routed again after the crash) carries the same webhook-id.
 */
test('kill -9 during 2,000 signed inbound requests: every 2xx\'d request is forwarded, none twice with different ids', async () => {
  const receiver = await startReceiver();
  const dir = tempDir();
  cleanups.add(() => receiver.close());
  cleanups.add(() => dir.remove());
  // The source and its endpoint are written before Herald starts, through the store it will open.
  const store = withSecretEncryption(new SqliteStore({ path: join(dir.path, 'herald.db') }), SecretBox.fromBase64([KEY]));
  await store.migrate();
  const token = `crash_${newId('src').slice(4)}`;
  const source = await store.createSource({
    id: newId('src'), uid: null, name: 'crash', type: 'github', config: { secret: GITHUB_SECRET }, metadata: {}, appId: newId('app'),
    disabled: false, allowedCidrs: null, rateLimit: null, response: null, dedupe: null,
  }, newSourceToken(token), Date.now());
  await store.createEndpoint({
    id: newId('ep'), appId: source.appId, uid: null, url: receiver.url, description: '', disabled: false, eventTypes: null, channels: null,
    headers: {}, throttleRate: null, metadata: {}, version: 1, secret: generateSecret(), filter: { headers: { 'x-github-event': 'push' } },
  }, Date.now());
  await store.close();

  const env = testEnv(dir.path, { HERALD_ENCRYPTION_KEY: KEY, HERALD_RETRY_SCHEDULE: '1s,1s,1s,1s,1s', HERALD_SQLITE_SYNCHRONOUS: 'FULL' });
  let herald: HeraldProcess = await spawnHerald(env);
  cleanups.add(() => {
    herald.child.kill('SIGKILL');
  });
  const accepted = new Set<number>();
  let next = 0;
  let killed = false;
  const send = async (url: string, n: number) => fetch(`${url}/in/${token}`, { method: 'POST', ...push(n) });
  const post = async (): Promise<void> => {
    while (!killed && next < TOTAL) {
      const n = next++;
      try {
        if ((await send(herald.url, n)).status === 200) accepted.add(n);
      } catch {
        return; // the process is gone
      }
    }
  };
  const killer = (async () => {
    await eventually(() => (accepted.size >= 200 ? true : undefined), 60_000, '200 accepted requests');
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 500));
    killed = true;
    herald.child.kill('SIGKILL');
  })();
  await Promise.all([...Array.from({ length: CONCURRENCY }, post), killer]);
  await herald.exited;
  const acceptedBeforeKill = accepted.size;
  assert.ok(acceptedBeforeKill < TOTAL, 'the kill landed mid-run');

  herald = await spawnHerald(env);
  while (next < TOTAL) {
    const batch = Array.from({ length: Math.min(CONCURRENCY, TOTAL - next) }, () => next++);
    await Promise.all(batch.map(async (n) => {
      const response = await send(herald.url, n);
      assert.equal(response.status, 200);
      accepted.add(n);
    }));
  }

  const forwardedN = () => new Set(receiver.requests.map((request) => (JSON.parse(request.body) as { n: number }).n));
  await eventually(() => {
    const seen = forwardedN();
    return [...accepted].every((n) => seen.has(n)) ? true : undefined;
  }, 120_000, 'every accepted request to be forwarded');

  const idsByN = new Map<number, Set<string>>();
  for (const request of receiver.requests) {
    const { n } = JSON.parse(request.body) as { n: number };
    idsByN.set(n, (idsByN.get(n) ?? new Set()).add(request.headers['webhook-id']!));
  }
  for (const [n, ids] of idsByN) assert.equal(ids.size, 1, `request ${n} is forwarded under one webhook-id, however often`);
  process.stdout.write(`# accepted ${accepted.size}, forwarded ${receiver.requests.length}, repeats ${receiver.requests.length - idsByN.size}, killed after ${acceptedBeforeKill}\n`);
  herald.child.kill('SIGTERM');
  await herald.exited;
});
