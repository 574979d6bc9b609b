import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException, Svix } from 'svix';
import type { TestHerald } from '@herald/testing';
import { storageModes } from './support/storage-modes.ts';
import { createPoller, readStream, sendMessage } from './support/polling.ts';

const modes = await storageModes();

/** Every message the SDK's poll gives, page by page, until done. */
async function pollAll(svix: Svix, appId: string, pollerId: string, options: { limit: number; eventType?: string; channel?: string }): Promise<string[]> {
  const ids: string[] = [];
  let iterator: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await svix.message.poller.poll(appId, pollerId, { ...options, iterator });
    ids.push(...page.data.map((message) => message.id));
    iterator = page.iterator;
    if (page.done) return ids;
  }
  throw new Error('the poll never said done');
}

const statusOf = (promise: Promise<unknown>): Promise<number> => promise.then(() => 200, (error: unknown) => {
  assert.ok(error instanceof ApiException, `expected ApiException, got ${String(error)}`);
  return error.code;
});

for (const mode of modes) {
  describe(`polling endpoints through the svix SDK (${mode.name})`, () => {
    let herald: TestHerald;
    let svix: Svix;
    before(async () => {
      herald = await mode.start();
      svix = new Svix(herald.token, { serverUrl: herald.url });
    });
    after(() => herald.stop());

    /** An application with one message from before its polling endpoint, and a mix after it. */
    async function scenario() {
      const app = await svix.application.create({ name: 'polling' });
      await svix.message.create(app.id, { eventType: 'order.paid', payload: { before: true }, channels: ['eu'] });
      const poller = await createPoller(herald.url, herald.token, app.id, { filterTypes: ['order.paid', 'order.shipped'], channels: ['eu', 'us'] });
      const sent: Array<{ id: string; eventType: string; channels: string[] }> = [];
      const kinds = [
        { eventType: 'order.paid', channels: ['eu'] },
        { eventType: 'order.shipped', channels: ['us', 'ops'] },
        { eventType: 'order.refunded', channels: ['eu'] },
        { eventType: 'order.paid', channels: ['asia'] },
        { eventType: 'order.shipped', channels: ['eu'] },
      ];
      for (let i = 0; i < 15; i++) {
        const kind = kinds[i % kinds.length]!;
        const message = await svix.message.create(app.id, { eventType: kind.eventType, payload: { i }, channels: kind.channels });
        sent.push({ id: message.id, ...kind });
      }
      const held = sent.filter((m) => ['order.paid', 'order.shipped'].includes(m.eventType) && m.channels.some((c) => ['eu', 'us'].includes(c)));
      return { app, poller, sent, held };
    }

    test('poll gives the endpoint\'s matching messages in commit order, narrowed by event_type and channel', async () => {
      const { app, poller, held } = await scenario();
      assert.equal(held.length, 9);
      assert.deepEqual(await pollAll(svix, app.id, poller.id, { limit: 2 }), held.map((m) => m.id));
      assert.deepEqual(await pollAll(svix, app.id, poller.id, { limit: 50, eventType: 'order.shipped' }),
        held.filter((m) => m.eventType === 'order.shipped').map((m) => m.id));
      assert.deepEqual(await pollAll(svix, app.id, poller.id, { limit: 3, channel: 'us' }),
        held.filter((m) => m.channels.includes('us')).map((m) => m.id));

      const first = await svix.message.poller.poll(app.id, poller.id, { limit: 1 });
      const [message] = first.data;
      assert.equal(message!.eventType, 'order.paid');
      assert.deepEqual(message!.payload, { i: 0 });
      assert.deepEqual(message!.channels, ['eu']);
      assert.ok(message!.timestamp instanceof Date);
      assert.equal(first.done, false);

      const end = await svix.message.poller.poll(app.id, poller.id, { iterator: (await svix.message.poller.poll(app.id, poller.id, { limit: 250 })).iterator });
      assert.deepEqual(end.data, []);
      assert.equal(end.done, true);
      const later = await svix.message.create(app.id, { eventType: 'order.paid', payload: {}, channels: ['us'] });
      assert.deepEqual((await svix.message.poller.poll(app.id, poller.id, { iterator: end.iterator })).data.map((m) => m.id), [later.id]);
    });

    test('a named consumer never sees a message twice, resumes where it stopped, and seeks back by time', async () => {
      const { app, poller, held } = await scenario();
      const seen: string[] = [];
      for (let polls = 0; polls < 20; polls++) {
        const page = await svix.message.poller.consumerPoll(app.id, poller.id, 'billing', { limit: 4 });
        seen.push(...page.data.map((m) => m.id));
        if (page.done && page.data.length === 0) break;
      }
      assert.deepEqual(seen, held.map((m) => m.id));
      assert.deepEqual((await svix.message.poller.consumerPoll(app.id, poller.id, 'billing')).data, []);
      // Another consumer has a position of its own.
      assert.deepEqual((await svix.message.poller.consumerPoll(app.id, poller.id, 'audit', { limit: 250 })).data.map((m) => m.id), seen);

      await svix.message.poller.consumerPoll(app.id, poller.id, 'late', { limit: 2 });
      const listed = await fetch(`${herald.url}/api/v1/app/${app.id}/poller/${poller.id}/consumer`, { headers: { authorization: `Bearer ${herald.token}` } });
      const consumers = ((await listed.json()) as { data: Array<{ id: string; lag: number; lagCapped: boolean }> }).data;
      assert.deepEqual(consumers.map(({ id, lag, lagCapped }) => ({ id, lag, lagCapped })), [
        { id: 'audit', lag: 0, lagCapped: false }, { id: 'billing', lag: 0, lagCapped: false }, { id: 'late', lag: held.length - 2, lagCapped: false },
      ]);

      const next = await svix.message.create(app.id, { eventType: 'order.shipped', payload: {}, channels: ['us'] });
      assert.deepEqual((await svix.message.poller.consumerPoll(app.id, poller.id, 'billing')).data.map((m) => m.id), [next.id]);

      const seek = await svix.message.poller.consumerSeek(app.id, poller.id, 'billing', { after: new Date(Date.now() - 3_600_000) });
      assert.equal(typeof seek.iterator, 'string');
      assert.deepEqual((await svix.message.poller.consumerPoll(app.id, poller.id, 'billing', { limit: 250 })).data.map((m) => m.id), [...seen, next.id]);
      await svix.message.poller.consumerSeek(app.id, poller.id, 'billing', { after: new Date(Date.now() + 3_600_000) });
      assert.deepEqual((await svix.message.poller.consumerPoll(app.id, poller.id, 'billing')).data, []);
    });

    test('the token made with a polling endpoint reads that endpoint and nothing else', async () => {
      const { app, poller, held } = await scenario();
      const other = await createPoller(herald.url, herald.token, app.id, {});
      const reader = new Svix(poller.token, { serverUrl: herald.url });
      assert.match(poller.token, /^pollsk_/);
      assert.deepEqual(await pollAll(reader, app.id, poller.id, { limit: 5 }), held.map((m) => m.id));
      assert.equal((await reader.message.poller.consumerPoll(app.id, poller.id, 'mine', { limit: 1 })).data.length, 1);
      assert.equal(typeof (await reader.message.poller.consumerSeek(app.id, poller.id, 'mine', { after: new Date(0) })).iterator, 'string');
      assert.equal(await statusOf(reader.message.poller.poll(app.id, other.id)), 404);
      assert.equal(await statusOf(reader.message.list(app.id)), 404);
      assert.equal(await statusOf(reader.application.get(app.id)), 404);
      assert.equal(await statusOf(reader.endpoint.list(app.id)), 404);
      const listing = await fetch(`${herald.url}/api/v1/app/${app.id}/poller`, { headers: { authorization: `Bearer ${poller.token}` } });
      assert.equal(listing.status, 404);
      const deleting = await fetch(`${herald.url}/api/v1/app/${app.id}/poller/${poller.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${poller.token}` } });
      assert.equal(deleting.status, 404);
      // The token is shown once: the endpoint's other answers never carry it.
      const details = await (await fetch(`${herald.url}/api/v1/app/${app.id}/poller/${poller.id}/details`, { headers: { authorization: `Bearer ${herald.token}` } })).json() as Record<string, unknown>;
      assert.equal(details.token, undefined);
      assert.equal(details.id, poller.id);
    });

    test('a long poll answers as soon as a matching message is committed', async () => {
      const app = await svix.application.create({ name: 'long-poll' });
      const poller = await createPoller(herald.url, herald.token, app.id, { filterTypes: ['tick'] });
      const { iterator } = await svix.message.poller.poll(app.id, poller.id);
      const waiting = fetch(`${herald.url}/api/v1/app/${app.id}/poller/${poller.id}?wait=30s&iterator=${iterator}`, {
        headers: { authorization: `Bearer ${poller.token}` },
      });
      // The long poll is registered before the message is sent: without the wake, it would answer empty after 30 s.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await sendMessage(herald.url, herald.token, app.id, { eventType: 'other', payload: {} });
      const id = await sendMessage(herald.url, herald.token, app.id, { eventType: 'tick', payload: {} });
      const answer = (await (await waiting).json()) as { data: Array<{ id: string }> };
      assert.deepEqual(answer.data.map((m) => m.id), [id]);
    });

    test('a live stream dropped mid-way resumes with Last-Event-ID: nothing missed, nothing repeated', async () => {
      const app = await svix.application.create({ name: 'stream' });
      const poller = await createPoller(herald.url, herald.token, app.id, { channels: ['live'] });
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push(await sendMessage(herald.url, herald.token, app.id, { eventType: 'e', payload: { i }, channels: ['live'] }));
      await sendMessage(herald.url, herald.token, app.id, { eventType: 'e', payload: {}, channels: ['dead'] });
      const path = `/api/v1/app/${app.id}/poller/${poller.id}/stream`;
      const first = await readStream(herald.url, poller.token, path, 4);
      for (let i = 10; i < 20; i++) ids.push(await sendMessage(herald.url, herald.token, app.id, { eventType: 'e', payload: { i }, channels: ['live'] }));
      const rest = await readStream(herald.url, poller.token, path, 16, first[first.length - 1]!.id);
      assert.deepEqual([...first, ...rest].map((event) => event.data.id), ids);
    });
  });
}
