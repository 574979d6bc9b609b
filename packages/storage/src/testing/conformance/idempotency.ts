import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { T0, SECOND, MINUTE, idempotency, type WithStore } from './fixtures.ts';

export function idempotencySuite(withStore: WithStore): void {
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
}
