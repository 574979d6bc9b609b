import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HeraldError, newId, type PollingEndpoint } from '@herald/core';
import { LOG_START, type NewPollingEndpoint, type PollPosition } from '../../polling.ts';
import type { Store } from '../../store.ts';
import { T0, SECOND, accept, newApplication, type WithStore } from './fixtures.ts';

const hasCode = (code: string) => (error: unknown) => error instanceof HeraldError && error.code === code;

function newPoller(appId: string, overrides: Partial<NewPollingEndpoint> = {}): NewPollingEndpoint {
  return { id: newId('poll'), appId, uid: null, filterTypes: null, channels: null, description: '', tokenSha256: newId('tok'), ...overrides };
}

/** Every message id of the application's log after `from`, read `pageSize` at a time. */
async function readAll(store: Store, appId: string, from: PollPosition, pageSize: number): Promise<{ ids: string[]; end: PollPosition }> {
  const ids: string[] = [];
  let position = from;
  for (;;) {
    const page = await store.readMessageLog(appId, position, pageSize);
    if (page.length === 0) return { ids, end: position };
    ids.push(...page.map((entry) => entry.message.id));
    position = page[page.length - 1]!.position;
  }
}

export function pollingSuite(withStore: WithStore): void {
  describe('polling endpoints', () => {
    test('a polling endpoint is created, found by id, uid and token, changed and deleted', withStore(async (store) => {
      const app = await store.createApplication(newApplication(), T0);
      const created = await store.createPollingEndpoint(newPoller(app.id, { uid: 'feed', filterTypes: ['a.b'], channels: ['eu'], description: 'd' }), T0);
      const expected: PollingEndpoint = {
        id: created.id, appId: app.id, uid: 'feed', filterTypes: ['a.b'], channels: ['eu'], description: 'd',
        tokenSha256: created.tokenSha256, createdAt: T0, updatedAt: T0,
      };
      assert.deepEqual(created, expected);
      assert.deepEqual(await store.getPollingEndpoint(app.id, 'feed'), expected);
      assert.deepEqual(await store.getPollingEndpoint(app.id, created.id), expected);
      assert.deepEqual(await store.getPollingEndpointByTokenHash(created.tokenSha256), expected);
      assert.equal(await store.getPollingEndpoint((await store.createApplication(newApplication(), T0)).id, created.id), undefined);

      const changed = await store.updatePollingEndpoint(app.id, created.id, { channels: null, description: 'e' }, T0 + SECOND);
      assert.deepEqual(changed, { ...expected, channels: null, description: 'e', updatedAt: T0 + SECOND });
      assert.deepEqual((await store.listPollingEndpoints(app.id, { limit: 10 })).data, [changed]);
      assert.equal(await store.deletePollingEndpoint(app.id, created.id), true);
      assert.equal(await store.getPollingEndpoint(app.id, created.id), undefined);
      assert.equal(await store.deletePollingEndpoint(app.id, created.id), false);
      await assert.rejects(store.updatePollingEndpoint(app.id, created.id, { description: 'x' }, T0), hasCode('not_found'));
    }));

    test('a uid is unique within its application, and an absent application is not found', withStore(async (store) => {
      const app = await store.createApplication(newApplication(), T0);
      await store.createPollingEndpoint(newPoller(app.id, { uid: 'feed' }), T0);
      await assert.rejects(store.createPollingEndpoint(newPoller(app.id, { uid: 'feed' }), T0), hasCode('conflict'));
      const other = await store.createPollingEndpoint(newPoller(app.id, { uid: 'other' }), T0);
      await assert.rejects(store.updatePollingEndpoint(app.id, other.id, { uid: 'feed' }, T0), hasCode('conflict'));
      await assert.rejects(store.createPollingEndpoint(newPoller(newId('app')), T0), hasCode('not_found'));
    }));

    test('the message log gives each application its messages once, in commit order, from any position', withStore(async (store) => {
      const app = await store.createApplication(newApplication(), T0);
      const neighbour = await store.createApplication(newApplication(), T0);
      const sent: string[] = [];
      for (let i = 0; i < 7; i++) {
        sent.push((await accept(store, app.id, [], T0 + i)).id);
        await accept(store, neighbour.id, [], T0 + i);
      }
      // A batch commits as one: its messages keep their order in it.
      const batch = [0, 1, 2].map((i) => ({ message: { id: newId('msg'), appId: app.id, eventType: 'x', eventId: null, channels: ['c'], tags: null, payload: '{}', createdAt: T0 + 10 + i } }));
      assert.deepEqual(await store.createMessages(batch, T0 + 10), [null, null, null]);
      sent.push(...batch.map((item) => item.message.id));

      const { ids, end } = await readAll(store, app.id, LOG_START, 3);
      assert.deepEqual(ids, sent);
      assert.deepEqual(await store.readMessageLog(app.id, end, 10), []);
      const [firstTwo] = [await store.readMessageLog(app.id, LOG_START, 2)];
      assert.deepEqual((await readAll(store, app.id, firstTwo![1]!.position, 100)).ids, sent.slice(2));
      const later = await accept(store, app.id, [], T0 + 20, { channels: ['eu'] });
      const [entry] = await store.readMessageLog(app.id, end, 10);
      assert.equal(entry?.message.id, later.id);
      assert.deepEqual(entry?.message.channels, ['eu']);
    }));

    test('a position at a time is just before the first message created then, or the log\'s end', withStore(async (store) => {
      const app = await store.createApplication(newApplication(), T0);
      assert.deepEqual((await readAll(store, app.id, await store.messageLogPositionAt(app.id, T0), 10)).ids, []);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await accept(store, app.id, [], T0 + i * SECOND)).id);
      assert.deepEqual((await readAll(store, app.id, await store.messageLogPositionAt(app.id, T0 + 2 * SECOND), 10)).ids, ids.slice(2));
      assert.deepEqual((await readAll(store, app.id, await store.messageLogPositionAt(app.id, T0 - SECOND), 10)).ids, ids);
      const end = await store.messageLogPositionAt(app.id, T0 + 60 * SECOND);
      assert.deepEqual((await readAll(store, app.id, end, 10)).ids, []);
      const next = await accept(store, app.id, [], T0 + 70 * SECOND);
      assert.deepEqual((await readAll(store, app.id, end, 10)).ids, [next.id]);
    }));

    test('a consumer\'s position is kept until moved, per polling endpoint, and goes with it', withStore(async (store) => {
      const app = await store.createApplication(newApplication(), T0);
      const poller = await store.createPollingEndpoint(newPoller(app.id), T0);
      const other = await store.createPollingEndpoint(newPoller(app.id), T0);
      await accept(store, app.id, [], T0);
      const [first] = await store.readMessageLog(app.id, LOG_START, 1);
      assert.equal(await store.getPollerConsumer(poller.id, 'worker'), undefined);
      await store.savePollerConsumer(poller.id, 'worker', LOG_START, T0);
      await store.savePollerConsumer(poller.id, 'worker', first!.position, T0 + SECOND);
      await store.savePollerConsumer(other.id, 'worker', LOG_START, T0);
      assert.deepEqual(await store.getPollerConsumer(poller.id, 'worker'),
        { pollerId: poller.id, consumerId: 'worker', position: first!.position, updatedAt: T0 + SECOND });
      assert.deepEqual((await store.listPollerConsumers(poller.id)).map((c) => c.consumerId), ['worker']);
      assert.deepEqual((await store.readMessageLog(app.id, (await store.getPollerConsumer(poller.id, 'worker'))!.position, 10)), []);
      await store.deletePollingEndpoint(app.id, poller.id);
      assert.equal(await store.getPollerConsumer(poller.id, 'worker'), undefined);
      await assert.rejects(store.savePollerConsumer(poller.id, 'worker', LOG_START, T0), hasCode('not_found'));
      assert.deepEqual((await store.getPollerConsumer(other.id, 'worker'))?.position, LOG_START);
    }));
  });
}
