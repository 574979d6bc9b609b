import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from 'node:worker_threads';
import { cleanupList } from '@herald/testing';
import { ThreadedSender } from '../src/threaded-sender.ts';

const cleanups = cleanupList();
after(() => cleanups.run());

/** Answers 200, except that requests to /hold are left open. */
async function receiver() {
  const arrivals: string[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      arrivals.push(request.url ?? '');
      if (request.url === '/hold') held.push(response);
      else response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.add(() => {
    server.closeAllConnections();
    server.close();
  });
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrivals };
}

const threadOf = (sender: ThreadedSender) => (sender as unknown as { worker: Worker | undefined }).worker;

test('a sender thread that dies gives back what it had unsent and is replaced for what comes next', { timeout: 20_000 }, async () => {
  const { origin, arrivals } = await receiver();
  const sender = new ThreadedSender({ allowPrivateTargets: true, deadlineMs: 10_000 });
  cleanups.add(() => sender.close());
  const post = (path: string) => sender.send({ url: `${origin}${path}`, headers: {}, body: '{}' });

  const first = await post('/ok');
  assert.equal(first.kind === 'response' && first.status, 200);

  const inFlight = post('/hold');
  while (!arrivals.includes('/hold')) await new Promise((resolve) => setTimeout(resolve, 10));
  const dead = threadOf(sender)!;
  await dead.terminate();
  // Whether it reached the receiver is unknown to the caller, who sends it again: never a failure.
  assert.deepEqual(await inFlight, { kind: 'not-sent' });

  const afterDeath = await post('/ok');
  assert.equal(afterDeath.kind === 'response' && afterDeath.status, 200, JSON.stringify(afterDeath));
  assert.ok(threadOf(sender) && threadOf(sender) !== dead, 'a new thread took the dead one\'s place');
});

test('requests made while no thread is running wait for the next one; after close nothing is sent', { timeout: 20_000 }, async () => {
  const { origin } = await receiver();
  const sender = new ThreadedSender({ allowPrivateTargets: true, deadlineMs: 10_000 });
  await threadOf(sender)!.terminate();
  assert.equal(threadOf(sender), undefined, 'the dead thread is gone and the next one not started yet');
  const answered = await sender.send({ url: `${origin}/ok`, headers: {}, body: '{}' });
  assert.equal(answered.kind === 'response' && answered.status, 200, JSON.stringify(answered));
  await sender.close();
  assert.deepEqual(await sender.send({ url: `${origin}/ok`, headers: {}, body: '{}' }), { kind: 'not-sent' });
});
