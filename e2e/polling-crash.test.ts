import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException, Svix } from 'svix';
import { cleanupList, TEST_ADMIN_TOKEN, eventually, spawnHerald, tempDir, testEnv, type HeraldProcess } from '@herald/testing';
import { createPoller } from './support/polling.ts';

const TOTAL = 10_000;
const SENDERS = 16;
const TYPES = ['a', 'b', 'c'];

const cleanups = cleanupList();
after(() => cleanups.run());

/**
 * Three named consumers read one polling endpoint with small pages while 10,000 messages are sent
 * and Herald is killed -9 once. Each gives back the iterator it last processed (its own record of
 * where it is), so an answer lost to the kill is asked for again: every matching message once, in
 * commit order, and each carries on after the restart.
 */
test('three consumers polling through a kill -9 each see every matching message once, in commit order', async () => {
  const dir = tempDir();
  cleanups.add(() => dir.remove());
  const env = testEnv(dir.path, { HERALD_SQLITE_SYNCHRONOUS: 'FULL' });
  let herald: HeraldProcess = await spawnHerald(env);
  cleanups.add(() => {
    herald.child.kill('SIGKILL');
  });
  let url = herald.url;
  let restarting: Promise<void> | undefined;
  const client = () => new Svix(TEST_ADMIN_TOKEN, { serverUrl: url, numRetries: 0 } as never);

  const app = await client().application.create({ name: 'polling crash' });
  const poller = await createPoller(url, TEST_ADMIN_TOKEN, app.id, { filterTypes: ['a', 'b'] });

  let sent = 0;
  let killed = false;
  let sendingDone = false;
  const send = async (): Promise<void> => {
    while (sent < TOTAL) {
      const n = sent++;
      for (;;) {
        try {
          await client().message.create(app.id, { eventType: TYPES[n % TYPES.length]!, payload: { n } });
          break;
        } catch (error) {
          // Only the kill may interrupt a send; it is sent again once Herald is back (a message
          // whose 202 the kill cut may then be there twice: both are in the log, and read once each).
          if (!killed || error instanceof ApiException) throw error;
          await restarting;
        }
      }
    }
  };

  interface Consumer { name: string; limit: number; seen: string[]; iterator: string | undefined; failures: number }
  const consumers: Consumer[] = [
    { name: 'small', limit: 7, seen: [], iterator: undefined, failures: 0 },
    { name: 'medium', limit: 13, seen: [], iterator: undefined, failures: 0 },
    { name: 'large', limit: 31, seen: [], iterator: undefined, failures: 0 },
  ];
  let expected: string[] | undefined;
  const consume = async (consumer: Consumer): Promise<void> => {
    while (expected === undefined || consumer.seen.length < expected.length) {
      try {
        const page = await client().message.poller.consumerPoll(app.id, poller.id, consumer.name, { limit: consumer.limit, iterator: consumer.iterator });
        consumer.seen.push(...page.data.map((message) => message.id));
        consumer.iterator = page.iterator;
        if (page.data.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      } catch (error) {
        if (!killed || error instanceof ApiException) throw error;
        consumer.failures++;
        await restarting;
      }
    }
  };

  const killer = (async () => {
    await eventually(() => (sent >= 3_000 ? true : undefined), 120_000, '3,000 messages sent');
    killed = true;
    let back!: () => void;
    restarting = new Promise((resolve) => (back = resolve));
    herald.child.kill('SIGKILL');
    await herald.exited;
    herald = await spawnHerald(env);
    url = herald.url;
    back();
  })();
  const consuming = consumers.map(consume);
  await Promise.all([...Array.from({ length: SENDERS }, send), killer]);
  sendingDone = true;

  // The reference: the endpoint's whole log, read once from its start after everything was sent.
  const reference: string[] = [];
  let iterator: string | undefined;
  for (;;) {
    const page = await client().message.poller.poll(app.id, poller.id, { limit: 250, iterator });
    reference.push(...page.data.map((message) => message.id));
    iterator = page.iterator;
    if (page.done) break;
  }
  assert.ok(sendingDone && reference.length >= Math.floor(TOTAL * 2 / 3), `the log holds the matching messages (${reference.length})`);
  expected = reference;
  await Promise.all(consuming);

  for (const consumer of consumers) {
    assert.equal(new Set(consumer.seen).size, consumer.seen.length, `${consumer.name} saw no message twice`);
    assert.deepEqual(consumer.seen, reference, `${consumer.name} saw every matching message in commit order`);
    // The server kept the position through the kill: polling on without an iterator finds nothing left.
    const rest = await client().message.poller.consumerPoll(app.id, poller.id, consumer.name);
    assert.deepEqual(rest.data, [], `${consumer.name}'s position is where it stopped`);
  }
  assert.ok(consumers.some((consumer) => consumer.failures > 0), 'the kill cut at least one consumer\'s poll');
});
