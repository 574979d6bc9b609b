import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PageRequest } from '../../pagination.ts';
import { T0, SECOND, isConflict, newEventType, walkPages, type WithStore } from './fixtures.ts';

export function eventTypesSuite(withStore: WithStore): void {
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

}
