import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HeraldError,
  MessageStatus,
  TriggerType,
  newId,
  type Attempt,
  type Message,
} from '@herald/core';
import type { Store } from '../store.ts';

export type OpenStore = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

const T0 = 1_700_000_000_000;
const SECOND = 1_000;

/**
 * The behaviour every Store adapter must show, on a real database. Each test opens its own store
 * (its own database or schema) and removes it afterwards.
 */
export function storeConformanceSuite(name: string, open: OpenStore): void {
  const withStore = (body: (store: Store) => Promise<void>) => async () => {
    const { store, cleanup } = await open();
    try {
      await store.migrate();
      await body(store);
    } finally {
      await store.close();
      await cleanup();
    }
  };

  async function seed(store: Store, endpoints = 1) {
    const app = await store.createApplication({ id: newId('app'), uid: null, name: 'app', throttleRate: null, metadata: {} }, T0);
    const eps = [];
    for (let i = 0; i < endpoints; i++) {
      eps.push(await store.createEndpoint({
        id: newId('ep'), appId: app.id, uid: `ep-${i}`, url: `https://example.com/${i}`, description: '', disabled: false,
        eventTypes: null, channels: null, headers: {}, throttleRate: null, metadata: {}, version: 1, secret: 'whsec_' + 'A'.repeat(32),
      }, T0));
    }
    return { app, endpoints: eps };
  }

  const message = (appId: string, overrides: Partial<Message> = {}): Message => ({
    id: newId('msg'), appId, eventType: 'order.paid', eventId: null, channels: null, payload: '{"a":1}', createdAt: T0, ...overrides,
  });

  const attemptFor = (claimed: { message: Message; endpoint: { id: string; url: string } }, status: MessageStatus.Success | MessageStatus.Fail, at: number): Attempt => ({
    id: newId('atmpt'), msgId: claimed.message.id, endpointId: claimed.endpoint.id, appId: claimed.message.appId, url: claimed.endpoint.url,
    status, responseStatusCode: status === MessageStatus.Success ? 200 : 500, response: 'r', responseDurationMs: 5,
    triggerType: TriggerType.Scheduled, createdAt: at,
  });

  describe(`${name}: the Store contract`, () => {
    test('migrating twice is harmless', withStore(async (store) => {
      await store.migrate();
    }));

    test('applications are found by id and by uid, a duplicate uid is a conflict, and deletion removes them', withStore(async (store) => {
      const app = await store.createApplication({ id: newId('app'), uid: 'shop', name: 'Shop', throttleRate: 5, metadata: { a: 'b' } }, T0);
      assert.equal((await store.getApplication('shop'))?.id, app.id);
      assert.deepEqual((await store.getApplication(app.id))?.metadata, { a: 'b' });
      await assert.rejects(store.createApplication({ id: newId('app'), uid: 'shop', name: 'Again', throttleRate: null, metadata: {} }, T0),
        (error: unknown) => error instanceof HeraldError && error.code === 'conflict');
      const renamed = await store.updateApplication(app.id, { name: 'Shop 2' }, T0 + 1);
      assert.equal(renamed.name, 'Shop 2');
      assert.equal(renamed.updatedAt, T0 + 1);
      assert.equal(await store.deleteApplication(app.id), true);
      assert.equal(await store.getApplication('shop'), undefined);
    }));

    test('pagination walks every row once, both ways, and prevIterator walks back', withStore(async (store) => {
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push((await store.createApplication({ id: newId('app'), uid: null, name: `a${i}`, throttleRate: null, metadata: {} }, T0)).id);
      for (const order of ['ascending', 'descending'] as const) {
        const seen: string[] = [];
        let iterator: string | null = null;
        let pages = 0;
        for (;;) {
          const page = await store.listApplications({ limit: 3, iterator, order });
          seen.push(...page.data.map((app) => app.id));
          pages++;
          if (page.done) break;
          iterator = page.iterator;
        }
        assert.deepEqual(seen, order === 'ascending' ? ids : [...ids].reverse());
        assert.equal(pages, 3);
      }
      const second = await store.listApplications({ limit: 3, iterator: ids[2]! });
      assert.deepEqual(second.data.map((app) => app.id), ids.slice(3, 6));
      const back = await store.listApplications({ limit: 3, iterator: second.prevIterator! });
      assert.deepEqual(back.data.map((app) => app.id), ids.slice(0, 3));
    }));

    test('archived event types are hidden unless asked for, and expunge deletes them', withStore(async (store) => {
      for (const type of ['a.one', 'a.two']) {
        await store.createEventType({ name: type, description: type, archived: false, deprecated: false, featureFlag: null, schemas: null }, T0);
      }
      assert.equal(await store.deleteEventType('a.two', false, T0), true);
      assert.deepEqual((await store.listEventTypes({ limit: 10, includeArchived: false })).data.map((t) => t.name), ['a.one']);
      assert.deepEqual((await store.listEventTypes({ limit: 10, includeArchived: true })).data.map((t) => t.name), ['a.one', 'a.two']);
      assert.deepEqual(await store.existingEventTypes(['a.one', 'a.two', 'nope']), ['a.one']);
      assert.equal(await store.deleteEventType('a.two', true, T0), true);
      assert.equal(await store.getEventType('a.two'), undefined);
    }));

    test('a rotated secret keeps signing until its grace period ends', withStore(async (store) => {
      const { endpoints: [endpoint] } = await seed(store);
      const first = (await store.getEndpointSecrets(endpoint!.id, T0))[0]!.key;
      await store.rotateEndpointSecret(endpoint!.id, 'whsec_' + 'B'.repeat(32), 60 * SECOND, T0);
      assert.deepEqual((await store.getEndpointSecrets(endpoint!.id, T0 + SECOND)).map((s) => s.key), ['whsec_' + 'B'.repeat(32), first]);
      assert.deepEqual((await store.getEndpointSecrets(endpoint!.id, T0 + 61 * SECOND)).map((s) => s.key), ['whsec_' + 'B'.repeat(32)]);
    }));

    test('endpoint uids are unique within an application', withStore(async (store) => {
      const { app } = await seed(store);
      await assert.rejects(store.createEndpoint({
        id: newId('ep'), appId: app.id, uid: 'ep-0', url: 'https://example.com/x', description: '', disabled: false, eventTypes: null,
        channels: null, headers: {}, throttleRate: null, metadata: {}, version: 1, secret: 'whsec_' + 'C'.repeat(32),
      }, T0), (error: unknown) => error instanceof HeraldError && error.code === 'conflict');
    }));

    test('a batch commits every good message with its deliveries; a bad one fails alone', withStore(async (store) => {
      const { app, endpoints } = await seed(store, 2);
      const ids = endpoints.map((endpoint) => endpoint.id);
      const good = message(app.id, { eventId: 'evt-1' });
      const duplicate = message(app.id, { eventId: 'evt-1' });
      const orphan = message('app_doesnotexist0000000000000000');
      const alsoGood = message(app.id);
      const results = await store.createMessages([
        { message: good, endpointIds: ids, idempotency: { scope: 's', key: 'k', requestHash: 'h', status: 202, body: '{}', createdAt: T0 } },
        { message: duplicate, endpointIds: ids },
        { message: orphan, endpointIds: [] },
        { message: alsoGood, endpointIds: ids },
      ], T0);
      assert.equal(results[0], null);
      assert.equal(results[1]?.code, 'conflict');
      assert.equal(results[2]?.code, 'not_found');
      assert.equal(results[3], null);
      assert.equal((await store.getMessage(app.id, 'evt-1'))?.id, good.id);
      assert.equal(await store.getMessage(app.id, duplicate.id), undefined);
      assert.equal((await store.listMessageDestinations(app.id, alsoGood.id, { limit: 10 })).data.length, 2);
      assert.equal((await store.getIdempotency('s', 'k', T0))?.status, 202);
      assert.equal((await store.queueStats(T0)).depth, 4);
    }));

    test('only due deliveries are claimed, and a leased one is not handed out twice until its lease ends', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      await store.createMessages([{ message: message(app.id), endpointIds: [endpoints[0]!.id] }], T0);
      assert.equal((await store.claimDeliveries(10, 30 * SECOND, T0 - SECOND)).length, 0, 'not due yet');
      const [first] = await store.claimDeliveries(10, 30 * SECOND, T0);
      assert.ok(first);
      assert.equal(first.message.payload, '{"a":1}');
      assert.equal(first.secrets.length, 1);
      assert.equal((await store.claimDeliveries(10, 30 * SECOND, T0 + 29 * SECOND)).length, 0, 'leased');
      const [again] = await store.claimDeliveries(10, 30 * SECOND, T0 + 31 * SECOND);
      assert.equal(again?.deliveryId, first.deliveryId, 'a crashed worker\'s delivery comes back');
      assert.ok(again!.fence > first.fence);
    }));

    test('a stalled worker cannot overwrite a newer attempt', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      const msg = message(app.id);
      await store.createMessages([{ message: msg, endpointIds: [endpoints[0]!.id] }], T0);
      const [stale] = await store.claimDeliveries(1, 10 * SECOND, T0);
      const [fresh] = await store.claimDeliveries(1, 10 * SECOND, T0 + 11 * SECOND);
      const late = await store.recordResults([{ deliveryId: stale!.deliveryId, fence: stale!.fence, attempt: attemptFor(stale!, MessageStatus.Fail, T0 + 12 * SECOND), outcome: { kind: 'failed' }, disableEndpoint: true }], T0 + 12 * SECOND);
      assert.deepEqual(late, [false]);
      assert.equal((await store.listAttemptsByMessage(app.id, msg.id, { limit: 10 })).data.length, 0, 'no attempt row from the stale worker');
      assert.equal((await store.getEndpoint(app.id, endpoints[0]!.id))?.disabled, false);
      const current = await store.recordResults([{ deliveryId: fresh!.deliveryId, fence: fresh!.fence, attempt: attemptFor(fresh!, MessageStatus.Success, T0 + 12 * SECOND), outcome: { kind: 'success' }, disableEndpoint: false }], T0 + 12 * SECOND);
      assert.deepEqual(current, [true]);
      assert.equal((await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data[0]!.status, MessageStatus.Success);
    }));

    test('results: success, retry at its time, failure, disabling, and the failing-since mark', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      const endpointId = endpoints[0]!.id;
      const messages = [message(app.id), message(app.id), message(app.id)];
      await store.createMessages(messages.map((m) => ({ message: m, endpointIds: [endpointId] })), T0);
      const claimed = await store.claimDeliveries(10, 30 * SECOND, T0);
      assert.equal(claimed.length, 3);
      const byMsg = new Map(claimed.map((c) => [c.message.id, c]));
      const [ok, retry, failed] = messages.map((m) => byMsg.get(m.id)!);
      await store.recordResults([
        { deliveryId: retry!.deliveryId, fence: retry!.fence, attempt: attemptFor(retry!, MessageStatus.Fail, T0 + 1), outcome: { kind: 'retry', nextAttemptAt: T0 + 5 * SECOND }, disableEndpoint: false },
      ], T0 + 1);
      assert.equal((await store.getEndpoint(app.id, endpointId))?.failingSince, T0 + 1);
      await store.recordResults([
        { deliveryId: ok!.deliveryId, fence: ok!.fence, attempt: attemptFor(ok!, MessageStatus.Success, T0 + 2), outcome: { kind: 'success' }, disableEndpoint: false },
      ], T0 + 2);
      assert.equal((await store.getEndpoint(app.id, endpointId))?.failingSince, null, 'a success clears the failing mark');
      await store.recordResults([
        { deliveryId: failed!.deliveryId, fence: failed!.fence, attempt: attemptFor(failed!, MessageStatus.Fail, T0 + 3), outcome: { kind: 'failed' }, disableEndpoint: true },
      ], T0 + 3);
      assert.equal((await store.getEndpoint(app.id, endpointId))?.disabled, true);
      const stats = await store.endpointStats(app.id, endpointId, null, null);
      assert.deepEqual(stats, { success: 1, fail: 1, pending: 1, sending: 0 });
      assert.equal((await store.claimDeliveries(10, 30 * SECOND, T0 + 4 * SECOND)).length, 0, 'the retry is not due yet');
      assert.equal(await store.nextDueAt(), T0 + 5 * SECOND);
      assert.deepEqual((await store.claimDeliveries(10, 30 * SECOND, T0 + 5 * SECOND)).map((c) => c.message.id), [retry!.message.id]);
      const attempts = await store.listAttemptsByEndpoint(app.id, endpointId, { limit: 10 });
      assert.equal(attempts.data.length, 3);
      assert.deepEqual((await store.listAttemptsByEndpoint(app.id, endpointId, { limit: 10, status: MessageStatus.Success })).data.map((a) => a.msgId), [ok!.message.id]);
      assert.equal((await store.listAttemptsByMessage(app.id, ok!.message.id, { limit: 10 })).data[0]!.responseStatusCode, 200);
    }));

    test('resend requeues a finished delivery as manual; recover requeues only failures in its window', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      const endpointId = endpoints[0]!.id;
      const early = message(app.id);
      const late = message(app.id);
      await store.createMessages([{ message: early, endpointIds: [endpointId] }], T0);
      await store.createMessages([{ message: late, endpointIds: [endpointId] }], T0 + 10 * SECOND);
      const claimed = await store.claimDeliveries(10, 30 * SECOND, T0 + 10 * SECOND);
      await store.recordResults(claimed.map((c) => ({ deliveryId: c.deliveryId, fence: c.fence, attempt: attemptFor(c, MessageStatus.Fail, T0 + 11 * SECOND), outcome: { kind: 'failed' as const }, disableEndpoint: false })), T0 + 11 * SECOND);
      assert.equal(await store.recoverEndpoint(app.id, endpointId, T0 + 5 * SECOND, null, T0 + 20 * SECOND), 1);
      const [recovered] = await store.claimDeliveries(10, 30 * SECOND, T0 + 20 * SECOND);
      assert.equal(recovered?.message.id, late.id);
      assert.equal(recovered?.triggerType, TriggerType.Manual);
      await store.resendMessage(app.id, early.id, endpointId, T0 + 30 * SECOND);
      const [resent] = await store.claimDeliveries(10, 30 * SECOND, T0 + 30 * SECOND);
      assert.equal(resent?.message.id, early.id);
      assert.equal(resent?.triggerType, TriggerType.Manual);
    }));

    test('expireAllLeases hands every leased delivery out again at once, under a new fence', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      await store.createMessages([{ message: message(app.id), endpointIds: [endpoints[0]!.id] }], T0);
      const [leased] = await store.claimDeliveries(1, 300 * SECOND, T0);
      assert.equal(await store.expireAllLeases(T0 + SECOND), 1);
      const [again] = await store.claimDeliveries(1, 300 * SECOND, T0 + SECOND);
      assert.equal(again?.deliveryId, leased!.deliveryId);
      assert.ok(again!.fence > leased!.fence);
    }));

    test('a released lease is claimable at its new time, and a stale release is ignored', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      await store.createMessages([{ message: message(app.id), endpointIds: [endpoints[0]!.id] }], T0);
      const [claimed] = await store.claimDeliveries(1, 60 * SECOND, T0);
      await store.releaseDeliveries([{ deliveryId: claimed!.deliveryId, fence: claimed!.fence - 1, availableAt: T0 }], T0);
      assert.equal((await store.claimDeliveries(1, 60 * SECOND, T0 + SECOND)).length, 0, 'a stale fence changes nothing');
      await store.releaseDeliveries([{ deliveryId: claimed!.deliveryId, fence: claimed!.fence, availableAt: T0 + 2 * SECOND }], T0);
      assert.equal((await store.claimDeliveries(1, 60 * SECOND, T0 + SECOND)).length, 0);
      assert.equal((await store.claimDeliveries(1, 60 * SECOND, T0 + 2 * SECOND)).length, 1);
    }));

    test('message lists filter by event type, channel and time, and show per-endpoint status', withStore(async (store) => {
      const { app, endpoints } = await seed(store);
      const endpointId = endpoints[0]!.id;
      const a = message(app.id, { eventType: 'a.x', channels: ['eu'], createdAt: T0 });
      const b = message(app.id, { eventType: 'b.x', channels: null, createdAt: T0 + SECOND });
      const c = message(app.id, { eventType: 'a.x', channels: ['us'], createdAt: T0 + 2 * SECOND });
      await store.createMessages([a, b, c].map((m) => ({ message: m, endpointIds: [endpointId] })), T0);
      const ids = async (filter: Parameters<Store['listMessages']>[1]) => (await store.listMessages(app.id, filter)).data.map((m) => m.id);
      assert.deepEqual(await ids({ limit: 10, order: 'descending' }), [c.id, b.id, a.id]);
      assert.deepEqual(await ids({ limit: 10, eventTypes: ['a.x'] }), [a.id, c.id]);
      assert.deepEqual(await ids({ limit: 10, channel: 'us' }), [c.id]);
      assert.deepEqual(await ids({ limit: 10, after: T0, before: T0 + 2 * SECOND }), [b.id]);
      const endpointMessages = await store.listEndpointMessages(app.id, endpointId, { limit: 10, status: MessageStatus.Pending });
      assert.equal(endpointMessages.data.length, 3);
      assert.equal(endpointMessages.data[0]!.nextAttemptAt, T0);
    }));

    test('idempotency records expire from view and are purged', withStore(async (store) => {
      await store.saveIdempotency({ scope: 's', key: 'old', requestHash: 'h', status: 200, body: '{}', createdAt: T0 });
      await store.saveIdempotency({ scope: 's', key: 'new', requestHash: 'h', status: 201, body: '{"x":1}', createdAt: T0 + 100 });
      assert.equal(await store.getIdempotency('s', 'old', T0 + 1), undefined);
      assert.equal((await store.getIdempotency('s', 'new', T0 + 1))?.body, '{"x":1}');
      assert.equal(await store.getIdempotency('other', 'new', T0), undefined, 'keys are scoped');
      assert.equal(await store.purgeIdempotency(T0 + 1), 1);
    }));

    test('initSetting keeps the first value', withStore(async (store) => {
      assert.equal(await store.initSetting('x', 'first'), 'first');
      assert.equal(await store.initSetting('x', 'second'), 'first');
      assert.equal(await store.getSetting('x'), 'first');
    }));
  });
}
