import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newId, type InspectorBin, type NewInspectorCapture } from '@herald/core';
import { T0, SECOND, MINUTE, isConflict, newApplication, newEndpoint, type WithStore } from './fixtures.ts';

const DAY = 24 * 60 * MINUTE;

function newBin(overrides: Partial<InspectorBin> = {}): InspectorBin {
  return { id: newId('inbin'), token: randomUUID(), createdAt: T0, expiresAt: T0 + DAY, ...overrides };
}

function newCapture(binId: string, overrides: Partial<NewInspectorCapture> = {}): NewInspectorCapture {
  return {
    binId, method: 'POST', path: '/in/x?a=1', headers: [['content-type', 'application/json']],
    body: new TextEncoder().encode('{"a":1}'), sourceIp: '127.0.0.1', receivedAt: T0, ...overrides,
  };
}

/** Request inspector bins and captures, and the endpoint verification state (both migration 0002). */
export function inspectorSuite(withStore: WithStore): void {
  describe('request inspector', () => {
    test('a bin is found by its token until it expires, and listed newest first while alive', withStore(async (store) => {
      const older = newBin({ createdAt: T0 });
      const newer = newBin({ createdAt: T0 + SECOND, expiresAt: T0 + 2 * DAY });
      await store.createInspectorBin(older);
      await store.createInspectorBin(newer);
      assert.deepEqual(await store.getInspectorBin(older.token, T0 + MINUTE), older);
      assert.equal(await store.getInspectorBin('no-such-token', T0), undefined);
      assert.deepEqual((await store.listInspectorBins(T0)).map((bin) => bin.id), [newer.id, older.id]);
      assert.equal(await store.getInspectorBin(older.token, older.expiresAt), undefined, 'expired at its expiry time');
      assert.deepEqual((await store.listInspectorBins(older.expiresAt)).map((bin) => bin.id), [newer.id]);
    }));

    test('two bins cannot share a token', withStore(async (store) => {
      const bin = newBin();
      await store.createInspectorBin(bin);
      await assert.rejects(store.createInspectorBin(newBin({ token: bin.token })), isConflict);
      assert.deepEqual(await store.getInspectorBin(bin.token, T0), bin);
    }));

    test('a capture keeps method, path, repeated headers and every body byte, and seq grows', withStore(async (store) => {
      const bin = newBin();
      await store.createInspectorBin(bin);
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
      const headers: Array<[string, string]> = [['x-dup', 'one'], ['x-dup', 'two'], ['content-type', 'application/octet-stream']];
      const first = await store.addInspectorCapture(newCapture(bin.id, { method: 'PUT', path: '/in/t/deep?q=%20', headers, body: bytes, sourceIp: '::1' }), 100);
      const second = await store.addInspectorCapture(newCapture(bin.id, { body: new Uint8Array(0) }), 100);
      assert.ok(second.seq > first.seq);
      const [stored, empty] = await store.listInspectorCaptures(bin.id, 0, 10);
      assert.deepEqual(stored, { ...first, body: bytes });
      assert.deepEqual(Array.from(stored!.body), Array.from(bytes));
      assert.equal(empty!.body.byteLength, 0);
      assert.deepEqual((await store.listInspectorCaptures(bin.id, first.seq, 10)).map((c) => c.seq), [second.seq]);
      assert.deepEqual(await store.listInspectorCaptures(bin.id, second.seq, 10), []);
    }));

    test('a bin keeps only its newest captures, without touching another bin', withStore(async (store) => {
      const bin = newBin();
      const other = newBin();
      await store.createInspectorBin(bin);
      await store.createInspectorBin(other);
      await store.addInspectorCapture(newCapture(other.id), 3);
      const seqs: number[] = [];
      for (let i = 0; i < 7; i++) seqs.push((await store.addInspectorCapture(newCapture(bin.id, { path: `/in/t/${i}` }), 3)).seq);
      const kept = await store.listInspectorCaptures(bin.id, 0, 100);
      assert.deepEqual(kept.map((c) => c.seq), seqs.slice(-3));
      assert.deepEqual(kept.map((c) => c.path), ['/in/t/4', '/in/t/5', '/in/t/6']);
      assert.equal((await store.listInspectorCaptures(other.id, 0, 100)).length, 1);
      assert.equal((await store.listInspectorCaptures(bin.id, 0, 2)).length, 2, 'limit bounds the answer');
    }));

    test('deleting a bin, or purging it once expired, takes its captures with it', withStore(async (store) => {
      const doomed = newBin();
      const expired = newBin({ expiresAt: T0 + MINUTE });
      const alive = newBin();
      for (const bin of [doomed, expired, alive]) {
        await store.createInspectorBin(bin);
        await store.addInspectorCapture(newCapture(bin.id), 10);
      }
      assert.equal(await store.deleteInspectorBin(doomed.id), true);
      assert.equal(await store.deleteInspectorBin(doomed.id), false);
      assert.equal(await store.purgeInspectorBins(T0 + MINUTE), 1);
      assert.deepEqual(await store.listInspectorCaptures(doomed.id, 0, 10), []);
      assert.deepEqual(await store.listInspectorCaptures(expired.id, 0, 10), []);
      assert.equal((await store.listInspectorCaptures(alive.id, 0, 10)).length, 1);
      assert.deepEqual((await store.listInspectorBins(T0)).map((bin) => bin.id), [alive.id]);
    }));

    test('a capture for a bin that no longer exists is refused as not found', withStore(async (store) => {
      await assert.rejects(store.addInspectorCapture(newCapture(newId('inbin')), 10), (error: unknown) =>
        error instanceof Error && (error as { code?: string }).code === 'not_found');
    }));
  });

  describe('endpoint verification state', () => {
    test('an endpoint without verification reads back without the field; with it, the state round-trips and clears', withStore(async (store) => {
      const app = await store.createApplication(newApplication(), T0);
      const plain = await store.createEndpoint(newEndpoint(app.id), T0);
      assert.equal('verification' in plain, false);
      const pending = { status: 'pending' as const, checkedAt: null, error: null };
      const opted = await store.createEndpoint(newEndpoint(app.id, { verification: pending }), T0);
      assert.deepEqual(opted.verification, pending);
      const failed = { status: 'failed' as const, checkedAt: T0 + SECOND, error: 'the endpoint answered 500, not 2xx' };
      assert.deepEqual((await store.updateEndpoint(app.id, opted.id, { verification: failed }, T0 + SECOND)).verification, failed);
      const verified = { status: 'verified' as const, checkedAt: T0 + 2 * SECOND, error: null };
      await store.updateEndpoint(app.id, opted.id, { verification: verified }, T0 + 2 * SECOND);
      assert.deepEqual((await store.allEndpoints(app.id)).find((ep) => ep.id === opted.id)?.verification, verified);
      assert.deepEqual((await store.updateEndpoint(app.id, opted.id, { description: 'unrelated' }, T0)).verification, verified,
        'an update that does not name it keeps it');
      const cleared = await store.updateEndpoint(app.id, opted.id, { verification: null }, T0 + 3 * SECOND);
      assert.equal(cleared.verification ?? null, null);
    }));
  });
}
