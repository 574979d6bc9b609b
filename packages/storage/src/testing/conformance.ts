import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HeraldError,
  MessageStatus,
  TriggerType,
  newId,
  type Application,
  type Attempt,
  type Endpoint,
  type Message,
} from '@herald/core';
import type { Ordering, Page, PageRequest } from '../pagination.ts';
import type {
  ClaimedDelivery,
  DeliveryOutcome,
  DeliveryResult,
  IdempotencyRecord,
  MessageDestination,
  NewApplication,
  NewEndpoint,
  NewEventType,
  NewMessage,
  Store,
} from '../store.ts';

export type OpenStore = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

/** Every time in the suite is an explicit epoch-millisecond value derived from T0; nothing sleeps. */
const T0 = 1_700_000_000_000;
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const LEASE = 30 * SECOND;

const SECRET_A = 'whsec_' + 'A'.repeat(32);
const SECRET_B = 'whsec_' + 'B'.repeat(32);

/**
 * Ids are KSUIDs: ASCII, and sorting them byte by byte is sorting them by creation. Stores must
 * order by that byte order (in Postgres: COLLATE "C"). The expected order in this suite is computed
 * by sorting rather than taken from creation order, because a store minting its own ids with an
 * explicit `now` (as deliveries are) makes newId redraw its in-second payload.
 */
const byteOrder = (ids: string[]): string[] => [...ids].sort();

function isConflict(error: unknown): boolean {
  return error instanceof HeraldError && error.code === 'conflict';
}

/**
 * The behaviour every Store adapter must show, against a real database. `open` gives a fresh,
 * empty store of its own (its own file, database or schema) for every test, and `cleanup` removes
 * it. The suite calls migrate() itself (so `open` may or may not have), and closes the store.
 * Only the Store interface is used, so any adapter can run it unchanged.
 */
export function storeConformanceSuite(name: string, open: OpenStore): void {
  const withStore = (body: (store: Store) => Promise<void>) => async () => {
    const { store, cleanup } = await open();
    try {
      await store.migrate();
      await body(store);
    } finally {
      try {
        await store.close();
      } finally {
        await cleanup();
      }
    }
  };

  describe(`${name}: Store conformance`, () => {
    describe('migrations and settings', () => {
      test('migrating a store that is already migrated is harmless and keeps its data', withStore(async (store) => {
        const app = await store.createApplication(newApplication({ uid: 'kept' }), T0);
        await store.migrate();
        await store.migrate();
        assert.equal((await store.getApplication('kept'))?.id, app.id);
      }));

      test('initSetting keeps the first value it was given and getSetting reads it', withStore(async (store) => {
        assert.equal(await store.getSetting('instance-id'), undefined);
        assert.equal(await store.initSetting('instance-id', 'first'), 'first');
        assert.equal(await store.initSetting('instance-id', 'second'), 'first');
        assert.equal(await store.getSetting('instance-id'), 'first');
        assert.equal(await store.initSetting('other', 'x'), 'x', 'settings are independent of each other');
      }));
    });

    describe('applications', () => {
      test('a created application is returned with its times and can be read back by id and by uid', withStore(async (store) => {
        const input = newApplication({ uid: 'shop', name: 'Shop', throttleRate: 5, metadata: { team: 'payments' } });
        const created = await store.createApplication(input, T0);
        const expected: Application = { ...input, createdAt: T0, updatedAt: T0 };
        assert.deepEqual(created, expected);
        assert.deepEqual(await store.getApplication(input.id), expected);
        assert.deepEqual(await store.getApplication('shop'), expected);
        assert.equal(await store.getApplication('nope'), undefined);
        assert.equal(await store.getApplication(newId('app')), undefined);
      }));

      test('applications without a uid do not conflict with each other', withStore(async (store) => {
        await store.createApplication(newApplication({ uid: null }), T0);
        await store.createApplication(newApplication({ uid: null }), T0);
        assert.equal((await store.listApplications({ limit: 10 })).data.length, 2);
      }));

      test('a second application with the same uid is a conflict', withStore(async (store) => {
        await store.createApplication(newApplication({ uid: 'shop' }), T0);
        await assert.rejects(store.createApplication(newApplication({ uid: 'shop' }), T0), isConflict);
        assert.equal((await store.listApplications({ limit: 10 })).data.length, 1, 'the loser was not stored');
      }));

      test('updating an application changes only the given fields and its updatedAt', withStore(async (store) => {
        const app = await store.createApplication(newApplication({ uid: 'shop', name: 'Shop', metadata: { a: 'b' } }), T0);
        const renamed = await store.updateApplication(app.id, { name: 'Shop 2', throttleRate: 7 }, T0 + SECOND);
        assert.deepEqual(renamed, { ...app, name: 'Shop 2', throttleRate: 7, updatedAt: T0 + SECOND });
        assert.deepEqual(await store.getApplication(app.id), renamed);
      }));

      test('changing an application uid makes it findable by the new uid and no longer by the old', withStore(async (store) => {
        const app = await store.createApplication(newApplication({ uid: 'old' }), T0);
        assert.equal((await store.getApplication('old'))?.id, app.id);
        await store.updateApplication(app.id, { uid: 'new' }, T0 + 1);
        assert.equal(await store.getApplication('old'), undefined);
        assert.equal((await store.getApplication('new'))?.id, app.id);
      }));

      test('updating an application to a uid another one has is a conflict', withStore(async (store) => {
        await store.createApplication(newApplication({ uid: 'taken' }), T0);
        const other = await store.createApplication(newApplication({ uid: 'mine' }), T0);
        await assert.rejects(store.updateApplication(other.id, { uid: 'taken' }, T0 + 1), isConflict);
        assert.equal((await store.getApplication(other.id))?.uid, 'mine');
      }));

      test('deleting an application removes it, and deleting it again reports false', withStore(async (store) => {
        const app = await store.createApplication(newApplication({ uid: 'shop' }), T0);
        assert.equal((await store.getApplication('shop'))?.id, app.id);
        assert.equal(await store.deleteApplication(app.id), true);
        assert.equal(await store.getApplication(app.id), undefined);
        assert.equal(await store.getApplication('shop'), undefined);
        assert.equal(await store.deleteApplication(app.id), false);
        await store.createApplication(newApplication({ uid: 'shop' }), T0 + 1);
        assert.notEqual(await store.getApplication('shop'), undefined, 'a deleted uid is free again');
      }));

      test('deleting an application deletes its endpoints, messages and queued deliveries', withStore(async (store) => {
        const { app, endpoints } = await seed(store, 2);
        const msg = await accept(store, app.id, endpoints.map((endpoint) => endpoint.id), T0);
        assert.equal((await store.queueStats(T0)).depth, 2);
        assert.equal(await store.deleteApplication(app.id), true);
        assert.equal(await store.getEndpoint(app.id, endpoints[0]!.id), undefined);
        assert.deepEqual(await store.allEndpoints(app.id), []);
        assert.equal(await store.getMessage(app.id, msg.id), undefined);
        assert.deepEqual(await store.queueStats(T0), { depth: 0, oldestDueAt: null });
        assert.deepEqual(await store.claimDeliveries(10, LEASE, T0), []);
      }));

      test('listing in ascending order walks every application exactly once, and only the last page is done', withStore(async (store) => {
        const ids = await createApplications(store, 7);
        const walk = await walkPages((request) => store.listApplications(request), (app) => app.id, 3, 'ascending');
        assert.deepEqual(walk.keys, byteOrder(ids));
        assert.equal(walk.pages.length, 3);
      }));

      test('listing in descending order walks every application exactly once, newest first', withStore(async (store) => {
        const ids = await createApplications(store, 7);
        const walk = await walkPages((request) => store.listApplications(request), (app) => app.id, 3, 'descending');
        assert.deepEqual(walk.keys, byteOrder(ids).reverse());
        assert.equal(walk.pages.length, 3);
      }));

      test('when the rows fill the last page exactly, that page is done', withStore(async (store) => {
        const ids = await createApplications(store, 6);
        for (const order of ['ascending', 'descending'] as const) {
          const walk = await walkPages((request) => store.listApplications(request), (app) => app.id, 3, order);
          assert.equal(walk.pages.length, 2, order);
          assert.equal(walk.keys.length, ids.length, order);
        }
      }));

      test('an empty list is a single done page', withStore(async (store) => {
        const page = await store.listApplications({ limit: 3 });
        assert.deepEqual(page.data, []);
        assert.equal(page.done, true);
      }));

      test('prevIterator walks back over the pages already seen, in both orders', withStore(async (store) => {
        await createApplications(store, 7);
        for (const order of ['ascending', 'descending'] as const) {
          const list = (request: PageRequest) => store.listApplications(request);
          const walk = await walkPages(list, (app) => app.id, 3, order);
          const pageKeys = walk.pages.map((page) => page.data.map((app) => app.id));
          const back = await walkBack(list, (app) => app.id, walk.pages.at(-1)!, 3, order);
          assert.deepEqual(back, pageKeys.slice(0, -1).reverse(), `${order}: each page back, in the list's own order`);
        }
      }));

      test('the iterator of a page continues right after its last row', withStore(async (store) => {
        const ids = byteOrder(await createApplications(store, 7));
        const second = await store.listApplications({ limit: 3, iterator: ids[2]!, order: 'ascending' });
        assert.deepEqual(second.data.map((app) => app.id), ids.slice(3, 6));
        assert.equal(second.iterator, ids[5]);
        assert.equal(second.prevIterator, '-' + ids[3]);
        const back = await store.listApplications({ limit: 3, iterator: second.prevIterator, order: 'ascending' });
        assert.deepEqual(back.data.map((app) => app.id), ids.slice(0, 3));
      }));
    });

    describe('event types', () => {
      test('an event type can be created, read back and updated', withStore(async (store) => {
        const input = newEventType('invoice.paid', { description: 'Paid', featureFlag: 'beta', schemas: { '1': { type: 'object' } } });
        const created = await store.createEventType(input, T0);
        assert.deepEqual(created, { ...input, createdAt: T0, updatedAt: T0 });
        assert.deepEqual(await store.getEventType('invoice.paid'), created);
        const updated = await store.updateEventType('invoice.paid', { description: 'Settled', deprecated: true }, T0 + SECOND);
        assert.deepEqual(updated, { ...created, description: 'Settled', deprecated: true, updatedAt: T0 + SECOND });
        assert.equal(await store.getEventType('nope'), undefined);
      }));

      test('a second event type with the same name is a conflict', withStore(async (store) => {
        await store.createEventType(newEventType('a.one'), T0);
        await assert.rejects(store.createEventType(newEventType('a.one'), T0), isConflict);
      }));

      test('archiving an event type hides it from the list unless archived ones are asked for', withStore(async (store) => {
        for (const type of ['a.one', 'a.two', 'a.three']) await store.createEventType(newEventType(type), T0);
        assert.equal(await store.deleteEventType('a.two', false, T0 + SECOND), true);
        const archived = await store.getEventType('a.two');
        assert.equal(archived?.archived, true, 'archiving keeps the row');
        assert.equal(archived?.updatedAt, T0 + SECOND);
        const names = async (includeArchived: boolean) =>
          (await store.listEventTypes({ limit: 10, includeArchived, order: 'ascending' })).data.map((type) => type.name);
        assert.deepEqual(await names(false), ['a.one', 'a.three']);
        assert.deepEqual(await names(true), ['a.one', 'a.three', 'a.two']);
      }));

      test('existingEventTypes returns only the names that exist and are not archived', withStore(async (store) => {
        for (const type of ['a.one', 'a.two', 'a.three']) await store.createEventType(newEventType(type), T0);
        await store.deleteEventType('a.two', false, T0);
        assert.deepEqual((await store.existingEventTypes(['a.one', 'a.two', 'a.three', 'nope'])).sort(), ['a.one', 'a.three']);
        assert.deepEqual(await store.existingEventTypes([]), []);
        await store.updateEventType('a.two', { archived: false }, T0 + 1);
        assert.deepEqual((await store.existingEventTypes(['a.two'])), ['a.two'], 'unarchiving brings it back');
      }));

      test('expunging an event type deletes it outright', withStore(async (store) => {
        await store.createEventType(newEventType('a.one'), T0);
        assert.equal(await store.deleteEventType('a.one', true, T0), true);
        assert.equal(await store.getEventType('a.one'), undefined);
        assert.deepEqual((await store.listEventTypes({ limit: 10, includeArchived: true })).data, []);
        assert.equal(await store.deleteEventType('a.one', true, T0), false);
        assert.equal(await store.deleteEventType('a.one', false, T0), false);
        await store.createEventType(newEventType('a.one'), T0 + 1);
        assert.notEqual(await store.getEventType('a.one'), undefined, 'an expunged name can be created again');
      }));

      test('event types list in pages ordered by name', withStore(async (store) => {
        const names = ['e.5', 'e.1', 'e.4', 'e.2', 'e.3'];
        for (const type of names) await store.createEventType(newEventType(type), T0);
        const list = (request: PageRequest) => store.listEventTypes({ ...request, includeArchived: false });
        const ascending = await walkPages(list, (type) => type.name, 2, 'ascending');
        assert.deepEqual(ascending.keys, [...names].sort());
        const descending = await walkPages(list, (type) => type.name, 2, 'descending');
        assert.deepEqual(descending.keys, [...names].sort().reverse());
      }));
    });

    describe('endpoints', () => {
      test('a created endpoint is returned with its fields and can be read by id and by uid in its application', withStore(async (store) => {
        const app = await store.createApplication(newApplication(), T0);
        const input = newEndpoint(app.id, {
          uid: 'main', url: 'https://example.com/hook', description: 'Main', eventTypes: ['a.one'], channels: ['eu'],
          headers: { 'x-team': 'payments' }, throttleRate: 10, metadata: { k: 'v' }, version: 2,
        });
        const created = await store.createEndpoint(input, T0);
        const { secret: _secret, ...fields } = input;
        const expected: Endpoint = { ...fields, failingSince: null, createdAt: T0, updatedAt: T0 };
        assert.deepEqual(created, expected);
        assert.deepEqual(await store.getEndpoint(app.id, input.id), expected);
        assert.deepEqual(await store.getEndpoint(app.id, 'main'), expected);
        assert.deepEqual(await store.allEndpoints(app.id), [expected]);
      }));

      test('an endpoint is not found through another application', withStore(async (store) => {
        const { endpoints: [endpoint] } = await seed(store);
        const other = await store.createApplication(newApplication(), T0);
        assert.equal(await store.getEndpoint(other.id, endpoint!.id), undefined);
        assert.equal(await store.getEndpoint(other.id, endpoint!.uid!), undefined);
        assert.deepEqual(await store.allEndpoints(other.id), []);
        assert.equal(await store.deleteEndpoint(other.id, endpoint!.id), false);
      }));

      test('endpoint uids are unique within an application but may repeat across applications', withStore(async (store) => {
        const first = await store.createApplication(newApplication(), T0);
        const second = await store.createApplication(newApplication(), T0);
        await store.createEndpoint(newEndpoint(first.id, { uid: 'main' }), T0);
        await assert.rejects(store.createEndpoint(newEndpoint(first.id, { uid: 'main' }), T0), isConflict);
        await store.createEndpoint(newEndpoint(second.id, { uid: 'main' }), T0);
        await store.createEndpoint(newEndpoint(first.id, { uid: null }), T0);
        await store.createEndpoint(newEndpoint(first.id, { uid: null }), T0);
        assert.equal((await store.allEndpoints(first.id)).length, 3);
        const other = await store.createEndpoint(newEndpoint(first.id, { uid: 'other' }), T0);
        await assert.rejects(store.updateEndpoint(first.id, other.id, { uid: 'main' }, T0 + 1), isConflict);
      }));

      test('a new endpoint secret is returned by getEndpointSecrets as the current key', withStore(async (store) => {
        const app = await store.createApplication(newApplication(), T0);
        const endpoint = await store.createEndpoint(newEndpoint(app.id, { secret: SECRET_A }), T0);
        assert.deepEqual(await store.getEndpointSecrets(endpoint.id, T0), [{ key: SECRET_A, expiresAt: null }]);
        assert.deepEqual(await store.getEndpointSecrets(endpoint.id, T0 + 365 * 24 * 60 * MINUTE), [{ key: SECRET_A, expiresAt: null }]);
      }));

      test('rotating a secret puts the new key first and keeps the old one until the grace period ends', withStore(async (store) => {
        const app = await store.createApplication(newApplication(), T0);
        const endpoint = await store.createEndpoint(newEndpoint(app.id, { secret: SECRET_A }), T0);
        await store.rotateEndpointSecret(endpoint.id, SECRET_B, MINUTE, T0 + SECOND);
        assert.deepEqual(await store.getEndpointSecrets(endpoint.id, T0 + 2 * SECOND), [
          { key: SECRET_B, expiresAt: null },
          { key: SECRET_A, expiresAt: T0 + SECOND + MINUTE },
        ]);
        assert.deepEqual(await store.getEndpointSecrets(endpoint.id, T0 + 2 * MINUTE), [{ key: SECRET_B, expiresAt: null }]);
      }));

      test('a claimed delivery carries every secret valid at the time of the claim', withStore(async (store) => {
        const app = await store.createApplication(newApplication(), T0);
        const endpoint = await store.createEndpoint(newEndpoint(app.id, { secret: SECRET_A }), T0);
        await store.rotateEndpointSecret(endpoint.id, SECRET_B, MINUTE, T0);
        await accept(store, app.id, [endpoint.id], T0);
        await accept(store, app.id, [endpoint.id], T0 + 2 * MINUTE);
        const [during] = await store.claimDeliveries(10, LEASE, T0 + SECOND);
        assert.deepEqual(during?.secrets.map((secret) => secret.key), [SECRET_B, SECRET_A]);
        const [after] = await store.claimDeliveries(10, LEASE, T0 + 2 * MINUTE);
        assert.deepEqual(after?.secrets.map((secret) => secret.key), [SECRET_B]);
      }));

      test('updating an endpoint changes the given fields, and allEndpoints sees the change', withStore(async (store) => {
        const app = await store.createApplication(newApplication(), T0);
        const endpoint = await store.createEndpoint(newEndpoint(app.id), T0);
        assert.equal((await store.allEndpoints(app.id))[0]?.url, endpoint.url);
        const updated = await store.updateEndpoint(app.id, endpoint.id,
          { url: 'https://example.com/new', eventTypes: ['a.one'], channels: null, disabled: true }, T0 + SECOND);
        assert.deepEqual(updated, { ...endpoint, url: 'https://example.com/new', eventTypes: ['a.one'], disabled: true, updatedAt: T0 + SECOND });
        assert.deepEqual(await store.getEndpoint(app.id, endpoint.id), updated);
        assert.deepEqual(await store.allEndpoints(app.id), [updated]);
        assert.deepEqual(await store.getEndpointSecrets(endpoint.id, T0 + SECOND), [{ key: SECRET_A, expiresAt: null }], 'the secret is kept');
      }));

      test('deleting an endpoint removes it with its queued deliveries', withStore(async (store) => {
        const { app, endpoints: [endpoint, kept] } = await seed(store, 2);
        await accept(store, app.id, [endpoint!.id, kept!.id], T0);
        assert.equal((await store.allEndpoints(app.id)).length, 2);
        assert.equal(await store.deleteEndpoint(app.id, endpoint!.id), true);
        assert.equal(await store.getEndpoint(app.id, endpoint!.id), undefined);
        assert.deepEqual((await store.allEndpoints(app.id)).map((ep) => ep.id), [kept!.id]);
        assert.deepEqual((await store.listEndpoints(app.id, { limit: 10 })).data.map((ep) => ep.id), [kept!.id]);
        assert.equal((await store.queueStats(T0)).depth, 1);
        assert.deepEqual((await store.claimDeliveries(10, LEASE, T0)).map((claimed) => claimed.endpoint.id), [kept!.id]);
        assert.equal(await store.deleteEndpoint(app.id, endpoint!.id), false);
      }));

      test('listing endpoints pages through one application only, in both orders', withStore(async (store) => {
        const { app, endpoints } = await seed(store, 5);
        await seed(store, 2);
        const list = (request: PageRequest) => store.listEndpoints(app.id, request);
        const ids = byteOrder(endpoints.map((endpoint) => endpoint.id));
        const ascending = await walkPages(list, (endpoint) => endpoint.id, 2, 'ascending');
        assert.deepEqual(ascending.keys, ids);
        assert.equal(ascending.pages.length, 3);
        assert.deepEqual((await walkPages(list, (endpoint) => endpoint.id, 2, 'descending')).keys, [...ids].reverse());
        assert.deepEqual(byteOrder((await store.allEndpoints(app.id)).map((endpoint) => endpoint.id)), ids);
      }));
    });

    describe('messages', () => {
      test('createMessages commits a message with one pending delivery per endpoint, due at once', withStore(async (store) => {
        const { app, endpoints } = await seed(store, 3);
        const msg = newMessage(app.id, T0, { eventId: 'evt-1', channels: ['eu', 'us'], payload: '{"b": 2,  "a":[1, 2.50]}' });
        assert.deepEqual(await store.createMessages([{ message: msg, endpointIds: [endpoints[0]!.id, endpoints[1]!.id] }], T0), [null]);
        assert.deepEqual(await store.getMessage(app.id, msg.id), msg, 'the payload text is kept byte for byte');
        const destinations = await store.listMessageDestinations(app.id, msg.id, { limit: 10 });
        assert.deepEqual(byteOrder(destinations.data.map((d) => d.endpoint.id)), byteOrder([endpoints[0]!.id, endpoints[1]!.id]));
        for (const destination of destinations.data) {
          assert.equal(destination.status, MessageStatus.Pending);
          assert.equal(destination.nextAttemptAt, T0);
        }
        assert.deepEqual(await store.queueStats(T0), { depth: 2, oldestDueAt: T0 });
        const claimed = await store.claimDeliveries(10, LEASE, T0);
        assert.equal(claimed.length, 2);
        assert.equal(new Set(claimed.map((c) => c.deliveryId)).size, 2, 'one delivery per endpoint');
      }));

      test('a message for no endpoint is stored without deliveries', withStore(async (store) => {
        const { app } = await seed(store);
        const msg = await accept(store, app.id, [], T0);
        assert.deepEqual(await store.getMessage(app.id, msg.id), msg);
        assert.deepEqual((await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data, []);
        assert.equal((await store.queueStats(T0)).depth, 0);
      }));

      test('an endpoint deleted before the commit, or one of another application, gets no delivery and the message still commits', withStore(async (store) => {
        const { app, endpoints: [kept, deleted] } = await seed(store, 2);
        const { endpoints: [foreign] } = await seed(store);
        // The caller computed the fan-out before the endpoint was deleted.
        assert.equal(await store.deleteEndpoint(app.id, deleted!.id), true);
        const msg = newMessage(app.id, T0);
        assert.deepEqual(await store.createMessages([{ message: msg, endpointIds: [kept!.id, deleted!.id, foreign!.id] }], T0), [null]);
        assert.deepEqual(await store.getMessage(app.id, msg.id), msg);
        assert.deepEqual((await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data.map((d) => d.endpoint.id), [kept!.id]);
        assert.deepEqual((await store.claimDeliveries(10, LEASE, T0)).map((c) => c.endpoint.id), [kept!.id]);
      }));

      test('a message is found by its id and by its eventId, within its application only', withStore(async (store) => {
        const { app } = await seed(store);
        const other = await store.createApplication(newApplication(), T0);
        const msg = await accept(store, app.id, [], T0, { eventId: 'evt-1' });
        assert.equal((await store.getMessage(app.id, msg.id))?.id, msg.id);
        assert.equal((await store.getMessage(app.id, 'evt-1'))?.id, msg.id);
        assert.equal(await store.getMessage(other.id, msg.id), undefined);
        assert.equal(await store.getMessage(other.id, 'evt-1'), undefined);
        assert.equal(await store.getMessage(app.id, 'evt-2'), undefined);
      }));

      test('a duplicate eventId in a batch fails only that item while the other items commit', withStore(async (store) => {
        const { app, endpoints } = await seed(store, 2);
        const ids = endpoints.map((endpoint) => endpoint.id);
        const stored = await accept(store, app.id, ids, T0, { eventId: 'evt-old' });
        const first = newMessage(app.id, T0 + 1, { eventId: 'evt-1' });
        const sameBatch = newMessage(app.id, T0 + 1, { eventId: 'evt-1' });
        const againstStored = newMessage(app.id, T0 + 1, { eventId: 'evt-old' });
        const plain = newMessage(app.id, T0 + 1);
        const results = await store.createMessages([
          { message: first, endpointIds: ids },
          { message: sameBatch, endpointIds: ids },
          { message: againstStored, endpointIds: ids },
          { message: plain, endpointIds: ids },
        ], T0 + 1);
        assert.equal(results.length, 4);
        assert.equal(results[0], null);
        assert.ok(isConflict(results[1]), 'a duplicate within the batch is a conflict');
        assert.ok(isConflict(results[2]), 'a duplicate of a stored message is a conflict');
        assert.equal(results[3], null);
        assert.equal((await store.getMessage(app.id, 'evt-1'))?.id, first.id);
        assert.equal((await store.getMessage(app.id, 'evt-old'))?.id, stored.id);
        assert.equal(await store.getMessage(app.id, sameBatch.id), undefined);
        assert.equal(await store.getMessage(app.id, againstStored.id), undefined);
        assert.deepEqual(await store.getMessage(app.id, plain.id), plain);
        assert.equal((await store.listMessageDestinations(app.id, plain.id, { limit: 10 })).data.length, 2);
        assert.equal((await store.queueStats(T0 + 1)).depth, 6, 'deliveries of the failed items were not kept');
      }));

      test('the same eventId may be used in two applications', withStore(async (store) => {
        const { app } = await seed(store);
        const other = await store.createApplication(newApplication(), T0);
        await accept(store, app.id, [], T0, { eventId: 'evt-1' });
        await accept(store, other.id, [], T0, { eventId: 'evt-1' });
        assert.notEqual((await store.getMessage(app.id, 'evt-1'))?.id, (await store.getMessage(other.id, 'evt-1'))?.id);
      }));

      test('a message for an unknown application fails only that item', withStore(async (store) => {
        const { app, endpoints } = await seed(store);
        const orphan = newMessage(newId('app'), T0);
        const good = newMessage(app.id, T0);
        const results = await store.createMessages([
          { message: orphan, endpointIds: [] },
          { message: good, endpointIds: [endpoints[0]!.id] },
        ], T0);
        assert.ok(results[0] instanceof HeraldError, 'the orphan gets a HeraldError');
        assert.equal(results[0].code, 'not_found');
        assert.equal(results[1], null);
        assert.equal(await store.getMessage(orphan.appId, orphan.id), undefined);
        assert.deepEqual(await store.getMessage(app.id, good.id), good);
        assert.equal((await store.queueStats(T0)).depth, 1);
      }));

      test('the idempotency record given with a message is committed with it, and not when the message fails', withStore(async (store) => {
        const { app, endpoints } = await seed(store);
        const ids = [endpoints[0]!.id];
        const record = idempotency({ key: 'k-1', createdAt: T0 });
        const lost = idempotency({ key: 'k-2', createdAt: T0 });
        const results = await store.createMessages([
          { message: newMessage(app.id, T0, { eventId: 'evt-1' }), endpointIds: ids, idempotency: record },
          { message: newMessage(app.id, T0, { eventId: 'evt-1' }), endpointIds: ids, idempotency: lost },
        ], T0);
        assert.equal(results[0], null);
        assert.ok(isConflict(results[1]));
        assert.deepEqual(await store.getIdempotency(record.scope, record.key, T0), record);
        assert.equal(await store.getIdempotency(lost.scope, lost.key, T0), undefined);
      }));

      test('a message can replace an expired idempotency record under the same key', withStore(async (store) => {
        const { app } = await seed(store);
        await store.saveIdempotency(idempotency({ key: 'k', body: 'old', createdAt: T0 }));
        const fresh = idempotency({ key: 'k', body: 'new', createdAt: T0 + MINUTE });
        assert.deepEqual(await store.createMessages([{ message: newMessage(app.id, T0 + MINUTE), endpointIds: [], idempotency: fresh }], T0 + MINUTE), [null]);
        assert.deepEqual(await store.getIdempotency('scope', 'k', T0 + 1), fresh);
      }));

      test('listMessages filters by event types, channel and creation time, within one application', withStore(async (store) => {
        const { app } = await seed(store);
        const other = await store.createApplication(newApplication(), T0);
        await accept(store, other.id, [], T0, { eventType: 'a.x' });
        const a = await accept(store, app.id, [], T0, { eventType: 'a.x', channels: ['eu'] });
        const b = await accept(store, app.id, [], T0 + SECOND, { eventType: 'b.x', channels: null });
        const c = await accept(store, app.id, [], T0 + 2 * SECOND, { eventType: 'a.x', channels: ['us', 'eu'] });
        const d = await accept(store, app.id, [], T0 + 3 * SECOND, { eventType: 'c.x', channels: ['us'] });
        const ids = async (filter: Parameters<Store['listMessages']>[1]) =>
          (await store.listMessages(app.id, { order: 'ascending', ...filter })).data.map((m) => m.id);
        assert.deepEqual(await ids({ limit: 10 }), byteOrder([a.id, b.id, c.id, d.id]));
        assert.deepEqual(await ids({ limit: 10, order: 'descending' }), byteOrder([a.id, b.id, c.id, d.id]).reverse());
        assert.deepEqual(await ids({ limit: 10, eventTypes: ['a.x'] }), byteOrder([a.id, c.id]));
        assert.deepEqual(await ids({ limit: 10, eventTypes: ['b.x', 'c.x'] }), byteOrder([b.id, d.id]));
        assert.deepEqual(await ids({ limit: 10, channel: 'us' }), byteOrder([c.id, d.id]));
        assert.deepEqual(await ids({ limit: 10, channel: 'eu', eventTypes: ['a.x'] }), byteOrder([a.id, c.id]));
        assert.deepEqual(await ids({ limit: 10, channel: 'nowhere' }), []);
        assert.deepEqual(await ids({ limit: 10, after: T0, before: T0 + 3 * SECOND }), byteOrder([b.id, c.id]), 'both bounds are exclusive');
        assert.deepEqual(await ids({ limit: 10, after: T0 + SECOND }), byteOrder([c.id, d.id]));
        assert.deepEqual(await ids({ limit: 10, before: T0 + SECOND }), [a.id]);
      }));

      test('listMessages pages through the filtered messages exactly once in both orders', withStore(async (store) => {
        const { app } = await seed(store);
        const wanted: string[] = [];
        for (let i = 0; i < 7; i++) {
          wanted.push((await accept(store, app.id, [], T0 + i * SECOND, { eventType: 'a.x' })).id);
          await accept(store, app.id, [], T0 + i * SECOND, { eventType: 'b.x' });
        }
        const list = (request: PageRequest) => store.listMessages(app.id, { ...request, eventTypes: ['a.x'] });
        const ascending = await walkPages(list, (m) => m.id, 3, 'ascending');
        assert.deepEqual(ascending.keys, byteOrder(wanted));
        assert.equal(ascending.pages.length, 3);
        const descending = await walkPages(list, (m) => m.id, 3, 'descending');
        assert.deepEqual(descending.keys, byteOrder(wanted).reverse());
        const back = await walkBack(list, (m) => m.id, ascending.pages.at(-1)!, 3, 'ascending');
        assert.deepEqual(back, ascending.pages.slice(0, -1).map((page) => page.data.map((m) => m.id)).reverse());
      }));

      test('listEndpointMessages shows each message with that endpoint delivery status, and filters on it', withStore(async (store) => {
        const { app, endpoints: [endpoint, other] } = await seed(store, 2);
        const delivered = await accept(store, app.id, [endpoint!.id], T0);
        const failed = await accept(store, app.id, [endpoint!.id, other!.id], T0);
        await accept(store, app.id, [other!.id], T0);
        const claimed = await claimByMessage(store, T0, LEASE);
        await applyResults(store, [
          result(claimed.get(`${delivered.id}/${endpoint!.id}`)!, { kind: 'success' }, T0 + SECOND),
          result(claimed.get(`${failed.id}/${endpoint!.id}`)!, { kind: 'failed' }, T0 + SECOND),
        ], T0 + SECOND);
        const waiting = await accept(store, app.id, [endpoint!.id], T0 + 2 * SECOND);

        const all = await store.listEndpointMessages(app.id, endpoint!.id, { limit: 10, order: 'ascending' });
        const byId = new Map(all.data.map((item) => [item.message.id, item]));
        assert.deepEqual(byteOrder([...byId.keys()]), byteOrder([delivered.id, failed.id, waiting.id]), 'only this endpoint\'s messages');
        assert.deepEqual(all.data.map((item) => item.message.id), byteOrder([delivered.id, failed.id, waiting.id]));
        assert.deepEqual(byId.get(delivered.id)!.message, delivered);
        assert.equal(byId.get(delivered.id)!.status, MessageStatus.Success);
        assert.equal(byId.get(delivered.id)!.nextAttemptAt, null);
        assert.equal(byId.get(failed.id)!.status, MessageStatus.Fail);
        assert.equal(byId.get(failed.id)!.nextAttemptAt, null);
        assert.equal(byId.get(waiting.id)!.status, MessageStatus.Pending);
        assert.equal(byId.get(waiting.id)!.nextAttemptAt, T0 + 2 * SECOND);

        const onlyFailed = await store.listEndpointMessages(app.id, endpoint!.id, { limit: 10, status: MessageStatus.Fail });
        assert.deepEqual(onlyFailed.data.map((item) => item.message.id), [failed.id]);
        const otherView = await store.listEndpointMessages(app.id, other!.id, { limit: 10, status: MessageStatus.Sending });
        assert.equal(otherView.data.length, 2, 'the same message is still being sent to the other endpoint');
      }));

      test('listMessageDestinations shows every endpoint a message goes to, each with its own status', withStore(async (store) => {
        const { app, endpoints: [ok, retrying, untouched] } = await seed(store, 3);
        const msg = await accept(store, app.id, [ok!.id, retrying!.id], T0);
        const claimed = await claimByMessage(store, T0, LEASE);
        await applyResults(store, [
          result(claimed.get(`${msg.id}/${ok!.id}`)!, { kind: 'success' }, T0 + SECOND),
          result(claimed.get(`${msg.id}/${retrying!.id}`)!, { kind: 'retry', nextAttemptAt: T0 + MINUTE }, T0 + SECOND),
        ], T0 + SECOND);
        const page = await store.listMessageDestinations(app.id, msg.id, { limit: 10 });
        const byEndpoint = new Map<string, MessageDestination>(page.data.map((d) => [d.endpoint.id, d]));
        assert.equal(byEndpoint.size, 2);
        assert.equal(byEndpoint.has(untouched!.id), false);
        assert.equal(byEndpoint.get(ok!.id)!.endpoint.url, ok!.url);
        assert.equal(byEndpoint.get(ok!.id)!.status, MessageStatus.Success);
        assert.equal(byEndpoint.get(ok!.id)!.nextAttemptAt, null);
        assert.equal(byEndpoint.get(retrying!.id)!.status, MessageStatus.Pending);
        assert.equal(byEndpoint.get(retrying!.id)!.nextAttemptAt, T0 + MINUTE);
        const other = await store.createApplication(newApplication(), T0);
        assert.deepEqual((await store.listMessageDestinations(other.id, msg.id, { limit: 10 })).data, [], 'not through another application');
      }));
    });

    describe('the delivery queue', () => {
      test('only deliveries that are due are claimed', withStore(async (store) => {
        const { app, endpoints } = await seed(store);
        const now = await accept(store, app.id, [endpoints[0]!.id], T0);
        const later = await accept(store, app.id, [endpoints[0]!.id], T0 + MINUTE);
        assert.deepEqual(await store.claimDeliveries(10, LEASE, T0 - 1), [], 'nothing is due before it was created');
        const claimed = await store.claimDeliveries(10, 10 * MINUTE, T0 + SECOND);
        assert.deepEqual(claimed.map((c) => c.message.id), [now.id]);
        assert.deepEqual((await store.claimDeliveries(10, 10 * MINUTE, T0 + MINUTE)).map((c) => c.message.id), [later.id]);
      }));

      test('a claimed delivery carries its message, endpoint, attempt count and trigger', withStore(async (store) => {
        const { app, endpoints: [endpoint] } = await seed(store);
        const msg = await accept(store, app.id, [endpoint!.id], T0, { payload: '{"exact":  true}', channels: ['eu'] });
        const [claimed] = await store.claimDeliveries(10, LEASE, T0);
        assert.ok(claimed);
        assert.equal(typeof claimed.deliveryId, 'string');
        assert.equal(typeof claimed.fence, 'number');
        assert.deepEqual(claimed.message, msg);
        assert.deepEqual(claimed.endpoint, endpoint);
        assert.deepEqual(claimed.secrets, [{ key: SECRET_A, expiresAt: null }]);
        assert.equal(claimed.attemptCount, 0);
        assert.equal(claimed.triggerType, TriggerType.Scheduled);
        const destination = (await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data[0]!;
        assert.equal(destination.status, MessageStatus.Sending);
      }));

      test('a claim hands out no more than its limit, and a later claim takes the rest', withStore(async (store) => {
        const { app, endpoints } = await seed(store);
        for (let i = 0; i < 3; i++) await accept(store, app.id, [endpoints[0]!.id], T0);
        const first = await store.claimDeliveries(2, LEASE, T0);
        assert.equal(first.length, 2);
        const second = await store.claimDeliveries(2, LEASE, T0);
        assert.equal(second.length, 1);
        assert.equal(new Set([...first, ...second].map((c) => c.deliveryId)).size, 3);
      }));

      test('a leased delivery is not handed to a second claim while its lease runs', withStore(async (store) => {
        const { app, endpoints } = await seed(store);
        await accept(store, app.id, [endpoints[0]!.id], T0);
        assert.equal((await store.claimDeliveries(10, LEASE, T0)).length, 1);
        assert.deepEqual(await store.claimDeliveries(10, LEASE, T0), []);
        assert.deepEqual(await store.claimDeliveries(10, LEASE, T0 + LEASE - SECOND), []);
      }));

      test('a delivery whose lease ran out is handed out again with a larger fence (crash recovery)', withStore(async (store) => {
        const { app, endpoints } = await seed(store);
        await accept(store, app.id, [endpoints[0]!.id], T0);
        const [first] = await store.claimDeliveries(10, LEASE, T0);
        const [again] = await store.claimDeliveries(10, LEASE, T0 + LEASE + SECOND);
        assert.equal(again?.deliveryId, first!.deliveryId);
        assert.ok(again!.fence > first!.fence, 'every claim bumps the fence');
        assert.equal(again!.attemptCount, 0, 'a lost lease is not an attempt');
      }));

      test('a stalled worker cannot overwrite a newer attempt', withStore(async (store) => {
        const { app, endpoints: [endpoint] } = await seed(store);
        const msg = await accept(store, app.id, [endpoint!.id], T0);
        const [stale] = await store.claimDeliveries(1, LEASE, T0);
        const [fresh] = await store.claimDeliveries(1, LEASE, T0 + LEASE + SECOND);
        assert.equal(fresh?.deliveryId, stale!.deliveryId);

        const late = await store.recordResults(
          [result(stale!, { kind: 'failed' }, T0 + LEASE + 2 * SECOND, { disableEndpoint: true })], T0 + LEASE + 2 * SECOND);
        assert.deepEqual(late, [false]);
        assert.deepEqual((await store.listAttemptsByMessage(app.id, msg.id, { limit: 10 })).data, [], 'no attempt row from the stale worker');
        const unchanged = (await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data[0]!;
        assert.equal(unchanged.status, MessageStatus.Sending, 'status unchanged');
        const endpointNow = await store.getEndpoint(app.id, endpoint!.id);
        assert.equal(endpointNow?.disabled, false, 'the stale result did not disable the endpoint');
        assert.equal(endpointNow?.failingSince, null, 'the stale failure did not mark the endpoint failing');

        const current = result(fresh!, { kind: 'success' }, T0 + LEASE + 3 * SECOND);
        assert.deepEqual(await store.recordResults([current], T0 + LEASE + 3 * SECOND), [true]);
        assert.equal((await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data[0]!.status, MessageStatus.Success);
        assert.deepEqual((await store.listAttemptsByMessage(app.id, msg.id, { limit: 10 })).data, [current.attempt]);
      }));

      test('a stale retry result does not put the delivery back in the queue', withStore(async (store) => {
        const { app, endpoints } = await seed(store);
        const msg = await accept(store, app.id, [endpoints[0]!.id], T0);
        const [stale] = await store.claimDeliveries(1, LEASE, T0);
        const [fresh] = await store.claimDeliveries(1, LEASE, T0 + LEASE);
        await applyResults(store, [result(fresh!, { kind: 'success' }, T0 + LEASE + 1)], T0 + LEASE + 1);
        assert.deepEqual(await store.recordResults([result(stale!, { kind: 'retry', nextAttemptAt: T0 + LEASE + 2 }, T0 + LEASE + 2)], T0 + LEASE + 2), [false]);
        assert.equal((await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data[0]!.status, MessageStatus.Success);
        assert.deepEqual(await store.claimDeliveries(10, LEASE, T0 + 10 * MINUTE), []);
      }));

      test('recordResults reports for each result whether it was applied', withStore(async (store) => {
        const { app, endpoints } = await seed(store);
        await accept(store, app.id, [endpoints[0]!.id], T0);
        await accept(store, app.id, [endpoints[0]!.id], T0);
        const [one, two] = await store.claimDeliveries(10, LEASE, T0);
        const applied = await store.recordResults([
          result(one!, { kind: 'success' }, T0 + 1, { fence: one!.fence - 1 }),
          result(two!, { kind: 'success' }, T0 + 1),
        ], T0 + 1);
        assert.deepEqual(applied, [false, true]);
      }));

      test('a success marks the delivery Success and records the attempt for the message and the endpoint', withStore(async (store) => {
        const { app, endpoints: [endpoint] } = await seed(store);
        const msg = await accept(store, app.id, [endpoint!.id], T0);
        const [claimed] = await store.claimDeliveries(10, LEASE, T0);
        const success = result(claimed!, { kind: 'success' }, T0 + SECOND);
        await applyResults(store, [success], T0 + SECOND);
        const destination = (await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data[0]!;
        assert.equal(destination.status, MessageStatus.Success);
        assert.equal(destination.nextAttemptAt, null);
        assert.deepEqual((await store.listAttemptsByMessage(app.id, msg.id, { limit: 10 })).data, [success.attempt]);
        assert.deepEqual((await store.listAttemptsByEndpoint(app.id, endpoint!.id, { limit: 10 })).data, [success.attempt]);
        assert.deepEqual(await store.getAttempt(app.id, msg.id, success.attempt!.id), success.attempt);
        assert.deepEqual(await store.claimDeliveries(10, LEASE, T0 + 10 * MINUTE), [], 'a success is final');
        assert.deepEqual(await store.queueStats(T0 + SECOND), { depth: 0, oldestDueAt: null });
      }));

      test('a retry leaves the delivery Pending and claimable only from its nextAttemptAt', withStore(async (store) => {
        const { app, endpoints } = await seed(store);
        const msg = await accept(store, app.id, [endpoints[0]!.id], T0);
        const [claimed] = await store.claimDeliveries(10, LEASE, T0);
        await applyResults(store, [result(claimed!, { kind: 'retry', nextAttemptAt: T0 + 5 * SECOND }, T0 + SECOND)], T0 + SECOND);
        const destination = (await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data[0]!;
        assert.equal(destination.status, MessageStatus.Pending);
        assert.equal(destination.nextAttemptAt, T0 + 5 * SECOND);
        assert.deepEqual(await store.claimDeliveries(10, LEASE, T0 + 5 * SECOND - 1), []);
        const [again] = await store.claimDeliveries(10, LEASE, T0 + 5 * SECOND);
        assert.equal(again?.deliveryId, claimed!.deliveryId);
        assert.equal(again!.attemptCount, 1, 'the attempt is counted');
        assert.ok(again!.fence > claimed!.fence);
      }));

      test('a failure marks the delivery Fail and it is not claimed again', withStore(async (store) => {
        const { app, endpoints } = await seed(store);
        const msg = await accept(store, app.id, [endpoints[0]!.id], T0);
        const [claimed] = await store.claimDeliveries(10, LEASE, T0);
        await applyResults(store, [result(claimed!, { kind: 'failed' }, T0 + SECOND)], T0 + SECOND);
        const destination = (await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data[0]!;
        assert.equal(destination.status, MessageStatus.Fail);
        assert.equal(destination.nextAttemptAt, null);
        assert.equal((await store.listAttemptsByMessage(app.id, msg.id, { limit: 10 })).data[0]?.status, MessageStatus.Fail);
        assert.deepEqual(await store.claimDeliveries(10, LEASE, T0 + 10 * MINUTE), []);
        assert.equal(await store.nextDueAt(), null);
      }));

      test('a result without an attempt applies its outcome and records no attempt', withStore(async (store) => {
        const { app, endpoints } = await seed(store);
        const msg = await accept(store, app.id, [endpoints[0]!.id], T0);
        const [claimed] = await store.claimDeliveries(10, LEASE, T0);
        await applyResults(store, [result(claimed!, { kind: 'failed' }, T0 + SECOND, { attempt: false })], T0 + SECOND);
        assert.equal((await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data[0]!.status, MessageStatus.Fail);
        assert.deepEqual((await store.listAttemptsByMessage(app.id, msg.id, { limit: 10 })).data, []);
      }));

      test('a result asking to disable the endpoint disables it', withStore(async (store) => {
        const { app, endpoints: [endpoint] } = await seed(store);
        await accept(store, app.id, [endpoint!.id], T0);
        assert.equal((await store.allEndpoints(app.id))[0]?.disabled, false);
        const [claimed] = await store.claimDeliveries(10, LEASE, T0);
        await applyResults(store, [result(claimed!, { kind: 'failed' }, T0 + SECOND, { disableEndpoint: true })], T0 + SECOND);
        assert.equal((await store.getEndpoint(app.id, endpoint!.id))?.disabled, true);
        assert.equal((await store.allEndpoints(app.id))[0]?.disabled, true, 'allEndpoints sees it too');
      }));

      test('failingSince marks the first failure of a run, and a success clears it', withStore(async (store) => {
        const { app, endpoints: [endpoint] } = await seed(store);
        for (let i = 0; i < 3; i++) await accept(store, app.id, [endpoint!.id], T0);
        const [first, second, third] = await store.claimDeliveries(10, 10 * MINUTE, T0);
        const failingSince = async () => (await store.getEndpoint(app.id, endpoint!.id))?.failingSince;
        assert.equal(await failingSince(), null);
        await applyResults(store, [result(first!, { kind: 'retry', nextAttemptAt: T0 + MINUTE }, T0 + SECOND)], T0 + SECOND);
        assert.equal(await failingSince(), T0 + SECOND);
        await applyResults(store, [result(second!, { kind: 'failed' }, T0 + 2 * SECOND)], T0 + 2 * SECOND);
        assert.equal(await failingSince(), T0 + SECOND, 'a later failure keeps the start of the run');
        assert.equal((await store.allEndpoints(app.id))[0]?.failingSince, T0 + SECOND);
        const [claimed] = await store.claimDeliveries(10, LEASE, T0 + MINUTE);
        assert.equal(claimed?.endpoint.failingSince, T0 + SECOND, 'the claim shows the failing mark to the worker');
        await applyResults(store, [result(third!, { kind: 'success' }, T0 + 3 * SECOND)], T0 + 3 * SECOND);
        assert.equal(await failingSince(), null, 'a success clears the failing mark');
        assert.equal((await store.allEndpoints(app.id))[0]?.failingSince, null);
      }));

      test('within one batch of results, failingSince follows the attempts in time order', withStore(async (store) => {
        const { app, endpoints: [endpoint] } = await seed(store);
        for (let i = 0; i < 6; i++) await accept(store, app.id, [endpoint!.id], T0);
        const claimed = await store.claimDeliveries(10, 10 * MINUTE, T0);
        assert.equal(claimed.length, 6);
        const [a, b, c, d, e, f] = claimed;
        const failingSince = async () => (await store.getEndpoint(app.id, endpoint!.id))?.failingSince;
        await applyResults(store, [
          result(b!, { kind: 'failed' }, T0 + 2 * SECOND),
          result(a!, { kind: 'failed' }, T0 + SECOND),
        ], T0 + 3 * SECOND);
        assert.equal(await failingSince(), T0 + SECOND, 'the earliest failure of the batch starts the run');
        await applyResults(store, [
          result(d!, { kind: 'failed' }, T0 + 5 * SECOND),
          result(c!, { kind: 'success' }, T0 + 4 * SECOND),
        ], T0 + 6 * SECOND);
        assert.equal(await failingSince(), T0 + 5 * SECOND, 'a failure after the batch\'s success starts a new run');
        await applyResults(store, [
          result(f!, { kind: 'success' }, T0 + 8 * SECOND),
          result(e!, { kind: 'failed' }, T0 + 7 * SECOND),
        ], T0 + 9 * SECOND);
        assert.equal(await failingSince(), null, 'a success after the batch\'s failures ends the run');
        assert.equal((await store.allEndpoints(app.id))[0]?.failingSince, null);
      }));

      test('re-enabling a disabled endpoint starts its failure run afresh', withStore(async (store) => {
        const { app, endpoints: [endpoint] } = await seed(store);
        await accept(store, app.id, [endpoint!.id], T0);
        const [claimed] = await store.claimDeliveries(10, LEASE, T0);
        await applyResults(store, [result(claimed!, { kind: 'failed' }, T0 + SECOND, { disableEndpoint: true })], T0 + SECOND);
        assert.equal((await store.getEndpoint(app.id, endpoint!.id))?.failingSince, T0 + SECOND);
        const enabled = await store.updateEndpoint(app.id, endpoint!.id, { disabled: false }, T0 + MINUTE);
        assert.equal(enabled.disabled, false);
        assert.equal(enabled.failingSince, null);
      }));

      test('a released delivery is claimable again from its availableAt, and a release with a stale fence is ignored', withStore(async (store) => {
        const { app, endpoints } = await seed(store);
        const msg = await accept(store, app.id, [endpoints[0]!.id], T0);
        const [claimed] = await store.claimDeliveries(1, MINUTE, T0);
        await store.releaseDeliveries([{ deliveryId: claimed!.deliveryId, fence: claimed!.fence - 1, availableAt: T0 }], T0 + 1);
        assert.deepEqual(await store.claimDeliveries(1, MINUTE, T0 + SECOND), [], 'a stale fence changes nothing');
        await store.releaseDeliveries([{ deliveryId: claimed!.deliveryId, fence: claimed!.fence, availableAt: T0 + 5 * SECOND }], T0 + 2);
        const destination = (await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data[0]!;
        assert.equal(destination.status, MessageStatus.Pending);
        assert.equal(destination.nextAttemptAt, T0 + 5 * SECOND);
        assert.deepEqual(await store.claimDeliveries(1, MINUTE, T0 + 5 * SECOND - 1), []);
        const [again] = await store.claimDeliveries(1, MINUTE, T0 + 5 * SECOND);
        assert.equal(again?.deliveryId, claimed!.deliveryId);
        assert.equal(again!.attemptCount, 0, 'a release is not an attempt');
        assert.ok(again!.fence > claimed!.fence);
        await store.releaseDeliveries([{ deliveryId: claimed!.deliveryId, fence: claimed!.fence, availableAt: T0 }], T0 + 5 * SECOND);
        assert.deepEqual(await store.claimDeliveries(1, MINUTE, T0 + 6 * SECOND), [], 'the old lease cannot release the new one');
      }));

      test('expireAllLeases hands every leased delivery out again at once, under a new fence', withStore(async (store) => {
        const { app, endpoints } = await seed(store);
        await accept(store, app.id, [endpoints[0]!.id], T0);
        await accept(store, app.id, [endpoints[0]!.id], T0);
        const leased = await store.claimDeliveries(1, 5 * MINUTE, T0);
        assert.equal(await store.expireAllLeases(T0 + SECOND), 1, 'only leased deliveries are counted');
        const again = await store.claimDeliveries(10, 5 * MINUTE, T0 + SECOND);
        assert.equal(again.length, 2);
        const reclaimed = again.find((c) => c.deliveryId === leased[0]!.deliveryId);
        assert.ok(reclaimed && reclaimed.fence > leased[0]!.fence);
        assert.deepEqual(await store.recordResults([result(leased[0]!, { kind: 'success' }, T0 + 2 * SECOND)], T0 + 2 * SECOND), [false]);
      }));

      test('resendMessage requeues a finished delivery as due now with a Manual trigger', withStore(async (store) => {
        const { app, endpoints: [endpoint] } = await seed(store);
        const msg = await accept(store, app.id, [endpoint!.id], T0);
        const [claimed] = await store.claimDeliveries(10, LEASE, T0);
        await applyResults(store, [result(claimed!, { kind: 'success' }, T0 + SECOND)], T0 + SECOND);
        await store.resendMessage(app.id, msg.id, endpoint!.id, T0 + MINUTE);
        const destination = (await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data[0]!;
        assert.equal(destination.status, MessageStatus.Pending);
        assert.equal(destination.nextAttemptAt, T0 + MINUTE);
        assert.equal(await store.nextDueAt(), T0 + MINUTE);
        const [resent] = await store.claimDeliveries(10, LEASE, T0 + MINUTE);
        assert.equal(resent?.message.id, msg.id);
        assert.equal(resent?.endpoint.id, endpoint!.id);
        assert.equal(resent?.triggerType, TriggerType.Manual);
        assert.equal((await store.listMessageDestinations(app.id, msg.id, { limit: 10 })).data.length, 1, 'still one delivery per endpoint');
      }));

      test('resendMessage voids the result of an attempt still in flight for that delivery', withStore(async (store) => {
        const { app, endpoints: [endpoint] } = await seed(store);
        const msg = await accept(store, app.id, [endpoint!.id], T0);
        const [inFlight] = await store.claimDeliveries(10, LEASE, T0);
        await store.resendMessage(app.id, msg.id, endpoint!.id, T0 + SECOND);
        assert.deepEqual(await store.recordResults([result(inFlight!, { kind: 'failed' }, T0 + 2 * SECOND)], T0 + 2 * SECOND), [false]);
        const [resent] = await store.claimDeliveries(10, LEASE, T0 + 2 * SECOND);
        assert.equal(resent?.triggerType, TriggerType.Manual, 'the resend is not lost');
      }));

      test('resendMessage can send a message to an endpoint it was never delivered to', withStore(async (store) => {
        const { app, endpoints: [endpoint] } = await seed(store);
        const msg = await accept(store, app.id, [], T0);
        await store.resendMessage(app.id, msg.id, endpoint!.id, T0 + SECOND);
        const [resent] = await store.claimDeliveries(10, LEASE, T0 + SECOND);
        assert.equal(resent?.message.id, msg.id);
        assert.equal(resent?.triggerType, TriggerType.Manual);
      }));

      test('recoverEndpoint requeues only the failed deliveries created in [since, until) and returns how many', withStore(async (store) => {
        const { app, endpoints: [endpoint, other] } = await seed(store, 2);
        const times = [T0, T0 + 10 * SECOND, T0 + 20 * SECOND, T0 + 30 * SECOND];
        const messages: Message[] = [];
        for (const at of times) messages.push(await accept(store, app.id, [endpoint!.id, other!.id], at));
        const delivered = await accept(store, app.id, [endpoint!.id], T0 + 15 * SECOND);
        const claimed = await claimByMessage(store, T0 + 30 * SECOND, LEASE);
        await applyResults(store, [...claimed.values()].map((c) => result(c,
          c.message.id === delivered.id ? { kind: 'success' } : { kind: 'failed' }, T0 + 31 * SECOND)), T0 + 31 * SECOND);

        const recovered = await store.recoverEndpoint(app.id, endpoint!.id, T0 + 10 * SECOND, T0 + 30 * SECOND, T0 + MINUTE);
        assert.equal(recovered, 2, 'the failures at +10 s (inclusive) and +20 s; not +30 s (exclusive), not the success');
        const requeued = await store.claimDeliveries(10, LEASE, T0 + MINUTE);
        assert.deepEqual(byteOrder(requeued.map((c) => c.message.id)), byteOrder([messages[1]!.id, messages[2]!.id]));
        for (const c of requeued) {
          assert.equal(c.endpoint.id, endpoint!.id, 'other endpoints are left alone');
          assert.equal(c.triggerType, TriggerType.Manual);
        }
        assert.equal(await store.recoverEndpoint(app.id, endpoint!.id, T0, null, T0 + 2 * MINUTE), 2, 'no upper bound: +0 s and +30 s remain');
        assert.equal(await store.recoverEndpoint(app.id, endpoint!.id, T0, null, T0 + 3 * MINUTE), 0, 'nothing failed is left');
      }));

      test('endpointStats counts an endpoint deliveries by status, within an optional time window', withStore(async (store) => {
        const { app, endpoints: [endpoint, other] } = await seed(store, 2);
        const ids: string[] = [];
        for (let i = 0; i < 4; i++) ids.push((await accept(store, app.id, [endpoint!.id], T0 + i * 10 * SECOND)).id);
        await accept(store, app.id, [other!.id], T0);
        const claimed = await claimByMessage(store, T0 + 30 * SECOND, LEASE);
        const of = (i: number) => claimed.get(`${ids[i]}/${endpoint!.id}`)!;
        await applyResults(store, [
          result(of(0), { kind: 'success' }, T0 + 31 * SECOND),
          result(of(1), { kind: 'failed' }, T0 + 31 * SECOND),
          result(of(2), { kind: 'retry', nextAttemptAt: T0 + 10 * MINUTE }, T0 + 31 * SECOND),
        ], T0 + 31 * SECOND);
        assert.deepEqual(await store.endpointStats(app.id, endpoint!.id, null, null), { success: 1, fail: 1, pending: 1, sending: 1 });
        assert.deepEqual(await store.endpointStats(app.id, endpoint!.id, T0 + 10 * SECOND, T0 + 30 * SECOND), { success: 0, fail: 1, pending: 1, sending: 0 });
        assert.deepEqual(await store.endpointStats(app.id, endpoint!.id, T0 + 10 * SECOND, null), { success: 0, fail: 1, pending: 1, sending: 1 });
        assert.deepEqual(await store.endpointStats(app.id, endpoint!.id, null, T0 + 10 * SECOND), { success: 1, fail: 0, pending: 0, sending: 0 });
        assert.deepEqual(await store.endpointStats(app.id, other!.id, null, null), { success: 0, fail: 0, pending: 0, sending: 1 });
      }));

      test('queueStats reports the unfinished depth and the oldest due time', withStore(async (store) => {
        const { app, endpoints } = await seed(store);
        assert.deepEqual(await store.queueStats(T0), { depth: 0, oldestDueAt: null });
        await accept(store, app.id, [endpoints[0]!.id], T0);
        await accept(store, app.id, [endpoints[0]!.id], T0 + 10 * SECOND);
        assert.deepEqual(await store.queueStats(T0 + 20 * SECOND), { depth: 2, oldestDueAt: T0 });
        assert.deepEqual(await store.queueStats(T0 + 5 * SECOND), { depth: 2, oldestDueAt: T0 }, 'a delivery due later is counted but not due');
        const claimed = await store.claimDeliveries(10, LEASE, T0 + 20 * SECOND);
        assert.deepEqual(await store.queueStats(T0 + 20 * SECOND), { depth: 2, oldestDueAt: null }, 'leased deliveries are in flight, not due');
        await applyResults(store, [
          result(claimed[0]!, { kind: 'success' }, T0 + 21 * SECOND),
          result(claimed[1]!, { kind: 'retry', nextAttemptAt: T0 + MINUTE }, T0 + 21 * SECOND),
        ], T0 + 21 * SECOND);
        assert.deepEqual(await store.queueStats(T0 + 30 * SECOND), { depth: 1, oldestDueAt: null });
        assert.deepEqual(await store.queueStats(T0 + 2 * MINUTE), { depth: 1, oldestDueAt: T0 + MINUTE });
      }));

      test('nextDueAt is the earliest time a delivery becomes claimable, or null when the queue is empty', withStore(async (store) => {
        const { app, endpoints } = await seed(store);
        assert.equal(await store.nextDueAt(), null);
        await accept(store, app.id, [endpoints[0]!.id], T0 + 10 * SECOND);
        await accept(store, app.id, [endpoints[0]!.id], T0 + 20 * SECOND);
        assert.equal(await store.nextDueAt(), T0 + 10 * SECOND);
        const [first] = await store.claimDeliveries(1, LEASE, T0 + 10 * SECOND);
        assert.equal(await store.nextDueAt(), T0 + 20 * SECOND);
        await applyResults(store, [result(first!, { kind: 'retry', nextAttemptAt: T0 + 15 * SECOND }, T0 + 11 * SECOND)], T0 + 11 * SECOND);
        assert.equal(await store.nextDueAt(), T0 + 15 * SECOND);
        const rest = await store.claimDeliveries(10, LEASE, T0 + 20 * SECOND);
        assert.equal(rest.length, 2);
        assert.equal(await store.nextDueAt(), T0 + 20 * SECOND + LEASE, 'a leased delivery becomes claimable when its lease ends');
        await applyResults(store, rest.map((c) => result(c, { kind: 'success' }, T0 + 21 * SECOND)), T0 + 21 * SECOND);
        assert.equal(await store.nextDueAt(), null);
      }));
    });

    describe('attempts', () => {
      test('attempts list by endpoint and by message, and filter by status, status code class and endpoint', withStore(async (store) => {
        const { app, endpoints: [endpoint, other] } = await seed(store, 2);
        const msg = await accept(store, app.id, [endpoint!.id, other!.id], T0);
        const attempts: Attempt[] = [];
        let at = T0;
        for (const outcome of ['retry', 'retry', 'success'] as const) {
          const claimed = await store.claimDeliveries(10, LEASE, at);
          at += SECOND;
          const results = claimed.map((c) => result(c, outcome === 'success' ? { kind: 'success' } : { kind: 'retry', nextAttemptAt: at }, at));
          await applyResults(store, results, at);
          attempts.push(...results.map((r) => r.attempt!));
        }
        const mine = attempts.filter((a) => a.endpointId === endpoint!.id);
        const byEndpoint = await store.listAttemptsByEndpoint(app.id, endpoint!.id, { limit: 10, order: 'descending' });
        assert.deepEqual(byEndpoint.data.map((a) => a.id), byteOrder(mine.map((a) => a.id)).reverse());
        const byMessage = await store.listAttemptsByMessage(app.id, msg.id, { limit: 10, order: 'descending' });
        assert.deepEqual(byMessage.data.map((a) => a.id), byteOrder(attempts.map((a) => a.id)).reverse());
        const ids = async (filter: Parameters<Store['listAttemptsByMessage']>[2]) =>
          byteOrder((await store.listAttemptsByMessage(app.id, msg.id, filter)).data.map((a) => a.id));
        assert.deepEqual(await ids({ limit: 10, status: MessageStatus.Success }),
          byteOrder(attempts.filter((a) => a.status === MessageStatus.Success).map((a) => a.id)));
        assert.deepEqual(await ids({ limit: 10, statusCodeClass: 500 }),
          byteOrder(attempts.filter((a) => a.responseStatusCode === 500).map((a) => a.id)));
        assert.deepEqual(await ids({ limit: 10, endpointId: other!.id }),
          byteOrder(attempts.filter((a) => a.endpointId === other!.id).map((a) => a.id)));
        const walk = await walkPages((request) => store.listAttemptsByMessage(app.id, msg.id, request), (a) => a.id, 4, 'ascending');
        assert.deepEqual(walk.keys, byteOrder(attempts.map((a) => a.id)));
        const stranger = await store.createApplication(newApplication(), T0);
        assert.deepEqual((await store.listAttemptsByMessage(stranger.id, msg.id, { limit: 10 })).data, []);
        assert.equal(await store.getAttempt(stranger.id, msg.id, attempts[0]!.id), undefined);
        assert.deepEqual(await store.getAttempt(app.id, msg.id, attempts[0]!.id), attempts[0]);
      }));
    });

    describe('idempotency', () => {
      test('a saved idempotency record is read back as it was saved', withStore(async (store) => {
        const record = idempotency({ key: 'k', status: 201, body: '{"id":"msg_1"}', createdAt: T0 });
        await store.saveIdempotency(record);
        assert.deepEqual(await store.getIdempotency('scope', 'k', T0), record);
        assert.equal(await store.getIdempotency('other-scope', 'k', T0), undefined, 'keys are scoped');
        assert.equal(await store.getIdempotency('scope', 'other-key', T0), undefined);
      }));

      test('a record older than notBefore is not returned', withStore(async (store) => {
        await store.saveIdempotency(idempotency({ key: 'k', createdAt: T0 }));
        assert.notEqual(await store.getIdempotency('scope', 'k', T0 - MINUTE), undefined);
        assert.equal(await store.getIdempotency('scope', 'k', T0 + 1), undefined);
      }));

      test('saving a key again replaces the earlier record', withStore(async (store) => {
        await store.saveIdempotency(idempotency({ key: 'k', requestHash: 'h1', body: 'first', createdAt: T0 }));
        const second = idempotency({ key: 'k', requestHash: 'h2', body: 'second', createdAt: T0 + MINUTE });
        await store.saveIdempotency(second);
        assert.deepEqual(await store.getIdempotency('scope', 'k', T0 + 1), second);
      }));

      test('purgeIdempotency removes only the records older than its cutoff and says how many', withStore(async (store) => {
        await store.saveIdempotency(idempotency({ key: 'old-1', createdAt: T0 }));
        await store.saveIdempotency(idempotency({ key: 'old-2', scope: 'elsewhere', createdAt: T0 + 1 }));
        await store.saveIdempotency(idempotency({ key: 'new', createdAt: T0 + MINUTE }));
        assert.equal(await store.purgeIdempotency(T0 + SECOND), 2);
        assert.equal(await store.getIdempotency('scope', 'old-1', 0), undefined);
        assert.equal(await store.getIdempotency('elsewhere', 'old-2', 0), undefined);
        assert.notEqual(await store.getIdempotency('scope', 'new', 0), undefined);
        assert.equal(await store.purgeIdempotency(T0 + SECOND), 0);
      }));
    });
  });
}

// Inputs

function newApplication(overrides: Partial<NewApplication> = {}): NewApplication {
  return { id: newId('app'), uid: null, name: 'app', throttleRate: null, metadata: {}, ...overrides };
}

function newEventType(name: string, overrides: Partial<NewEventType> = {}): NewEventType {
  return { name, description: name, archived: false, deprecated: false, featureFlag: null, schemas: null, ...overrides };
}

let endpointCounter = 0;

function newEndpoint(appId: string, overrides: Partial<NewEndpoint> = {}): NewEndpoint {
  const n = endpointCounter++;
  return {
    id: newId('ep'), appId, uid: `ep-${n}`, url: `https://example.com/${n}`, description: '', disabled: false,
    eventTypes: null, channels: null, headers: {}, throttleRate: null, metadata: {}, version: 1, secret: SECRET_A,
    ...overrides,
  };
}

/** A message created at `at`; the suite always accepts it at that same time. */
function newMessage(appId: string, at: number, overrides: Partial<Message> = {}): Message {
  return { id: newId('msg'), appId, eventType: 'order.paid', eventId: null, channels: null, payload: '{"a":1}', createdAt: at, ...overrides };
}

function idempotency(overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord {
  return { scope: 'scope', key: 'key', requestHash: 'hash', status: 202, body: '{}', createdAt: T0, ...overrides };
}

async function seed(store: Store, endpoints = 1): Promise<{ app: Application; endpoints: Endpoint[] }> {
  const app = await store.createApplication(newApplication(), T0);
  const created: Endpoint[] = [];
  for (let i = 0; i < endpoints; i++) created.push(await store.createEndpoint(newEndpoint(app.id), T0));
  return { app, endpoints: created };
}

async function createApplications(store: Store, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await store.createApplication(newApplication({ name: `a${i}` }), T0)).id);
  return ids;
}

/** Accepts one message at `at` (its createdAt too) for the given endpoints, asserting it committed. */
async function accept(store: Store, appId: string, endpointIds: string[], at: number, overrides: Partial<Message> = {}): Promise<Message> {
  const message = newMessage(appId, at, overrides);
  const item: NewMessage = { message, endpointIds };
  assert.deepEqual(await store.createMessages([item], at), [null]);
  return message;
}

/** Claims everything due at `now`, keyed by "msgId/endpointId". */
async function claimByMessage(store: Store, now: number, leaseMs: number): Promise<Map<string, ClaimedDelivery>> {
  const claimed = await store.claimDeliveries(1_000, leaseMs, now);
  return new Map(claimed.map((c) => [`${c.message.id}/${c.endpoint.id}`, c]));
}

function result(
  claimed: ClaimedDelivery,
  outcome: DeliveryOutcome,
  at: number,
  options: { disableEndpoint?: boolean; attempt?: boolean; fence?: number } = {},
): DeliveryResult {
  const success = outcome.kind === 'success';
  const attempt: Attempt = {
    id: newId('atmpt'), msgId: claimed.message.id, endpointId: claimed.endpoint.id, appId: claimed.message.appId,
    url: claimed.endpoint.url, status: success ? MessageStatus.Success : MessageStatus.Fail,
    responseStatusCode: success ? 200 : 500, response: success ? 'ok' : 'boom', responseDurationMs: 5,
    triggerType: claimed.triggerType, createdAt: at,
  };
  return {
    deliveryId: claimed.deliveryId,
    fence: options.fence ?? claimed.fence,
    attempt: options.attempt === false ? null : attempt,
    outcome,
    disableEndpoint: options.disableEndpoint ?? false,
  };
}

async function applyResults(store: Store, results: DeliveryResult[], now: number): Promise<void> {
  assert.deepEqual(await store.recordResults(results, now), results.map(() => true), 'every result applies');
}

// Pagination walks

async function walkPages<T>(
  list: (request: PageRequest) => Promise<Page<T>>,
  keyOf: (item: T) => string,
  limit: number,
  order: Ordering,
): Promise<{ keys: string[]; pages: Page<T>[] }> {
  const pages: Page<T>[] = [];
  let iterator: string | null = null;
  for (let guard = 0; guard < 1_000; guard++) {
    const page: Page<T> = await list({ limit, iterator, order });
    assert.ok(page.data.length <= limit, 'a page never holds more than its limit');
    pages.push(page);
    if (page.done) {
      const keys = pages.flatMap((p) => p.data.map(keyOf));
      assert.equal(new Set(keys).size, keys.length, 'no row is seen twice');
      return { keys, pages };
    }
    assert.equal(page.data.length, limit, 'only the last page is short');
    assert.notEqual(page.iterator, null, 'a page that is not done has an iterator');
    iterator = page.iterator;
  }
  assert.fail('the walk never reached a done page');
}

/** Follows prevIterator from `from` until a page comes back empty; returns each page's keys. */
async function walkBack<T>(
  list: (request: PageRequest) => Promise<Page<T>>,
  keyOf: (item: T) => string,
  from: Page<T>,
  limit: number,
  order: Ordering,
): Promise<string[][]> {
  const seen: string[][] = [];
  let previous = from.prevIterator;
  for (let guard = 0; guard < 1_000; guard++) {
    assert.ok(previous?.startsWith('-'), 'prevIterator is "-" and a key');
    const page = await list({ limit, iterator: previous, order });
    if (page.data.length === 0) return seen;
    seen.push(page.data.map(keyOf));
    previous = page.prevIterator;
  }
  assert.fail('the walk back never reached the start');
}
