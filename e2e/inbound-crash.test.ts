import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { sign as githubSign } from '@octokit/webhooks-methods';
import { Svix } from 'svix';
import { Webhook } from 'standardwebhooks';
import { TEST_ADMIN_TOKEN, cleanupList, eventually, spawnHerald, startReceiver, tempDir, testEnv, type HeraldProcess } from '@herald/testing';

const TOTAL = 2_000;
const CONCURRENCY = 16;
const GITHUB_SECRET = 'gh-crash-secret';

const cleanups = cleanupList();
after(() => cleanups.run());

/** A GitHub push delivery as GitHub sends it; n is in both the body and the delivery id. */
async function delivery(n: number): Promise<{ body: string; headers: Record<string, string> }> {
  const body = JSON.stringify({ ref: 'refs/heads/main', after: `commit-${n}`, n });
  return {
    body,
    headers: {
      'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': `delivery-${n}`,
      'x-hub-signature-256': await githubSign(GITHUB_SECRET, body),
    },
  };
}

/**
 * Issue 12's promise "a 2xx means committed": SIGKILL Herald while 2,000 signed GitHub requests
 * are being received and routed, start it again on the same data, and every request that got a
 * 2xx is forwarded. A request whose answer the kill swallowed is sent again after the restart, as
 * GitHub would redeliver it; committed or not, it reaches the endpoint under one webhook-id.
 */
test('kill -9 while 2,000 signed GitHub requests arrive: every 2xx\'d request is forwarded, each under exactly one webhook-id', async () => {
  const receiver = await startReceiver();
  const dir = tempDir();
  cleanups.add(() => dir.remove());
  cleanups.add(() => receiver.close());
  const env = testEnv(dir.path, { HERALD_RETRY_SCHEDULE: '1s,1s,1s,1s,1s', HERALD_SQLITE_SYNCHRONOUS: 'FULL' });
  let herald: HeraldProcess = await spawnHerald(env);
  cleanups.add(async () => {
    herald.child.kill('SIGKILL');
    await herald.exited;
  });

  const admin = new Svix(TEST_ADMIN_TOKEN, { serverUrl: herald.url, numRetries: 0 } as never);
  const source = await admin.ingest.source.create({ name: 'GitHub', type: 'github', config: { secret: GITHUB_SECRET } });
  const endpoint = await admin.ingest.endpoint.create(source.id, { url: receiver.url });
  const endpointSecret = (await admin.ingest.endpoint.getSecret(source.id, endpoint.id)).key;
  const path = new URL(source.ingestUrl!).pathname;

  const accepted = new Set<number>();
  const unanswered = new Set<number>();
  let next = 0;
  let killed = false;
  const send = async (baseUrl: string, n: number): Promise<number> => {
    const { body, headers } = await delivery(n);
    const response = await fetch(`${baseUrl}${path}`, { method: 'POST', body, headers }).catch((error: Error) => {
      throw new Error(`request ${n} (killed: ${killed}): ${error.message}: ${String(error.cause)}`, { cause: error });
    });
    const text = await response.text();
    assert.equal(response.status, 200, `request ${n}: ${response.status} ${text}`);
    return response.status;
  };
  // Only the kill may end a poster: an error before it, or any non-2xx answer, fails the test.
  const poster = async (): Promise<void> => {
    while (!killed && next < TOTAL) {
      const n = next++;
      try {
        await send(herald.url, n);
        accepted.add(n);
      } catch (error) {
        if (!killed || error instanceof assert.AssertionError) throw error;
        unanswered.add(n); // the connection died with the process
        return;
      }
    }
  };
  // Kill at a random instant once receiving and routing are both under way.
  const killer = (async () => {
    await eventually(() => (accepted.size >= 300 && receiver.requests.length > 0 ? true : undefined), 60_000, '300 accepted requests and the first forward');
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 500));
    killed = true;
    herald.child.kill('SIGKILL');
  })();
  await Promise.all([...Array.from({ length: CONCURRENCY }, poster), killer]);
  await herald.exited;
  const acceptedBeforeKill = accepted.size;
  assert.ok(acceptedBeforeKill < TOTAL, 'the kill landed mid-run');

  herald = await spawnHerald(env);
  // The provider redelivers what got no answer, then the rest of the run goes on.
  const rest = [...unanswered, ...Array.from({ length: TOTAL - next }, (_, i) => next + i)];
  for (let i = 0; i < rest.length; i += CONCURRENCY) {
    await Promise.all(rest.slice(i, i + CONCURRENCY).map(async (n) => {
      await send(herald.url, n);
      accepted.add(n);
    }));
  }
  assert.equal(accepted.size, TOTAL);

  const idsByN = new Map<number, Set<string>>();
  const collect = () => {
    idsByN.clear();
    for (const request of receiver.requests) {
      const n = (JSON.parse(request.body) as { n: number }).n;
      idsByN.set(n, (idsByN.get(n) ?? new Set()).add(request.headers['webhook-id']!));
    }
  };
  await eventually(() => {
    collect();
    return [...accepted].every((n) => idsByN.has(n)) ? true : undefined;
  }, 120_000, 'every accepted request to be forwarded');

  // The messages Herald made from the requests (the source's backing application): one per request.
  const messagesByN = new Map<number, string[]>();
  const restarted = new Svix(TEST_ADMIN_TOKEN, { serverUrl: herald.url, numRetries: 0 } as never); // a new port
  let iterator: string | null | undefined;
  do {
    const page = await restarted.message.list(`ingest-${source.id}`, { limit: 250, iterator: iterator ?? undefined });
    for (const message of page.data) {
      const n = (message.payload as { n: number }).n;
      messagesByN.set(n, [...(messagesByN.get(n) ?? []), message.id]);
    }
    iterator = page.done ? null : page.iterator;
  } while (iterator);
  herald.child.kill('SIGTERM');
  await herald.exited;
  collect();

  for (const n of accepted) {
    assert.deepEqual(messagesByN.get(n)?.length, 1, `request ${n} became exactly one message: ${messagesByN.get(n)}`);
    assert.deepEqual([...idsByN.get(n)!], messagesByN.get(n), `request ${n} was forwarded under one webhook-id only, its message's`);
  }
  for (const request of receiver.requests) {
    assert.doesNotThrow(() => new Webhook(endpointSecret).verify(request.body, request.headers), 'every forward is signed with the endpoint\'s secret');
  }
  const copies = receiver.requests.length - idsByN.size;
  process.stdout.write(`# 2xx'd ${accepted.size} (${acceptedBeforeKill} before the kill, ${unanswered.size} unanswered and sent again), forwards ${receiver.requests.length}, repeated copies ${copies}\n`);
});
