import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HeraldError, newId } from '@herald/core';
import type { InboundRequest } from '../../inbound.ts';
import { T0, SECOND, MINUTE, LEASE, walkPages, type WithStore } from './fixtures.ts';
import { createSource, newInboundRequest, record, rejected } from './inbound-fixtures.ts';

const codeOf = (result: unknown) => (result instanceof HeraldError ? result.code : null);

export function inboundRequestsSuite(withStore: WithStore): void {
  describe('inbound requests', () => {
    test('a recorded request is read back byte for byte, only through its own source', withStore(async (store) => {
      const { source } = await createSource(store);
      const other = await createSource(store);
      const body = Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0x0a, 0x7d]);
      const input = newInboundRequest(source.id, T0, {
        method: 'PUT', path: '/in/abc', query: 'a=1&a=2&b=%20', headers: { 'x-hub-signature-256': 'sha256=00', 'user-agent': 'GitHub-Hookshot/1' },
        body, sourceIp: '2001:db8::1', dedupeKey: 'delivery-1', eventType: 'pull_request',
      });
      assert.deepEqual(await record(store, [input], T0), [{ id: input.id, verdict: 'accepted', duplicateOf: null }]);
      const expected: InboundRequest = { ...input, duplicateOf: null, duplicates: 0, routingRound: 0, routedRound: -1 };
      const stored = await store.getInboundRequest(source.id, input.id);
      assert.deepEqual(stored, expected);
      assert.ok(Buffer.isBuffer(stored?.body) && stored.body.equals(body), 'the body is a Buffer of the same bytes');
      assert.equal(await store.getInboundRequest(other.source.id, input.id), undefined);
      assert.equal(await store.getInboundRequest(source.id, newId('inreq')), undefined);

      const tooLarge = rejected(source.id, T0 + 1, { body: null, rejectReason: 'payload_too_large' });
      await record(store, [tooLarge], T0 + 1);
      assert.equal((await store.getInboundRequest(source.id, tooLarge.id))?.body, null, 'a body never read is stored as null');
    }));

    test('a repeat of an accepted dedupe key is a duplicate of the original, also within one batch', withStore(async (store) => {
      const { source } = await createSource(store);
      const original = newInboundRequest(source.id, T0, { dedupeKey: 'd-1' });
      await record(store, [original], T0);
      const batch = [
        newInboundRequest(source.id, T0 + 1, { dedupeKey: 'd-1' }),
        newInboundRequest(source.id, T0 + 2, { dedupeKey: 'd-2' }),
        newInboundRequest(source.id, T0 + 3, { dedupeKey: 'd-2' }),
        newInboundRequest(source.id, T0 + 4, { dedupeKey: null }),
        newInboundRequest(source.id, T0 + 5, { dedupeKey: null }),
        rejected(source.id, T0 + 6, { dedupeKey: 'd-3' }),
        newInboundRequest(source.id, T0 + 7, { dedupeKey: 'd-3' }),
        newInboundRequest(source.id, T0 + 8, { dedupeKey: 'd-1' }),
      ];
      const results = await record(store, batch, T0 + 10);
      assert.deepEqual(results.map((r) => [r.verdict, r.duplicateOf]), [
        ['duplicate', original.id],
        ['accepted', null],
        ['duplicate', batch[1]!.id],
        ['accepted', null],
        ['accepted', null],
        ['rejected', null],
        ['accepted', null],
        ['duplicate', original.id],
      ]);
      assert.equal((await store.getInboundRequest(source.id, original.id))?.duplicates, 2);
      assert.equal((await store.getInboundRequest(source.id, batch[1]!.id))?.duplicates, 1);
      const duplicate = await store.getInboundRequest(source.id, batch[0]!.id);
      assert.equal(duplicate?.verdict, 'duplicate');
      assert.equal(duplicate?.duplicateOf, original.id);
      assert.equal(duplicate?.dedupeKey, 'd-1');
    }));

    test('dedupe keys are per source', withStore(async (store) => {
      const first = await createSource(store);
      const second = await createSource(store);
      const results = await record(store, [
        newInboundRequest(first.source.id, T0, { dedupeKey: 'same' }),
        newInboundRequest(second.source.id, T0 + 1, { dedupeKey: 'same' }),
      ], T0);
      assert.deepEqual(results.map((r) => r.verdict), ['accepted', 'accepted']);
    }));

    test('one bad request in a batch fails alone, with a typed error', withStore(async (store) => {
      const { source } = await createSource(store);
      const existing = newInboundRequest(source.id, T0);
      await record(store, [existing], T0);
      const good = newInboundRequest(source.id, T0 + 1, { dedupeKey: 'k' });
      const batch = [good, { ...newInboundRequest(source.id, T0 + 2), id: existing.id }, newInboundRequest(newId('src'), T0 + 3),
        newInboundRequest(source.id, T0 + 4, { dedupeKey: 'k' })];
      const results = await store.recordInboundRequests(batch, T0 + 5);
      assert.deepEqual(results.map(codeOf), [null, 'conflict', 'not_found', null]);
      assert.deepEqual(results[0], { id: good.id, verdict: 'accepted', duplicateOf: null });
      assert.deepEqual(results[3], { id: batch[3]!.id, verdict: 'duplicate', duplicateOf: good.id });
      assert.equal((await store.getInboundRequest(source.id, good.id))?.duplicates, 1);
      assert.equal((await store.getInboundRequest(source.id, existing.id))?.receivedAt, T0, 'the taken id kept its request');
      assert.deepEqual(await store.recordInboundRequests([], T0), []);
    }));

    test('requests are listed newest first, by verdict and time, page by page', withStore(async (store) => {
      const { source } = await createSource(store);
      const other = await createSource(store);
      const batch = Array.from({ length: 7 }, (_, i) =>
        i % 3 === 2 ? rejected(source.id, T0 + i * SECOND) : newInboundRequest(source.id, T0 + i * SECOND));
      await record(store, batch, T0 + 10 * SECOND);
      await record(store, [newInboundRequest(other.source.id, T0)], T0);
      const newestFirst = batch.map((r) => r.id).sort().reverse();
      const { keys } = await walkPages((page) => store.listInboundRequests(source.id, page), (r) => r.id, 3, 'descending');
      assert.deepEqual(keys, newestFirst);
      const unordered = await store.listInboundRequests(source.id, { limit: 100 });
      assert.deepEqual(unordered.data.map((r) => r.id), newestFirst, 'newest first without an order');
      const onlyRejected = await store.listInboundRequests(source.id, { limit: 100, verdict: 'rejected' });
      assert.deepEqual(onlyRejected.data.map((r) => r.id), [batch[5]!.id, batch[2]!.id]);
      const window = await store.listInboundRequests(source.id, { limit: 100, after: T0 + SECOND, before: T0 + 4 * SECOND });
      assert.deepEqual(window.data.map((r) => r.receivedAt), [T0 + 3 * SECOND, T0 + 2 * SECOND]);
      const oldestFirst = await store.listInboundRequests(source.id, { limit: 100, order: 'ascending', verdict: 'accepted' });
      assert.deepEqual(oldestFirst.data.map((r) => r.id), [0, 1, 3, 4, 6].map((i) => batch[i]!.id));
    }));

    test('a rejected request accepted after re-verification becomes routable, or a duplicate', withStore(async (store) => {
      const { source } = await createSource(store);
      const [first, second, third] = [rejected(source.id, T0), rejected(source.id, T0 + 1), rejected(source.id, T0 + 2)];
      const accepted = newInboundRequest(source.id, T0 + 3, { dedupeKey: 'taken' });
      await record(store, [first!, second!, third!, accepted], T0 + 3);
      assert.equal(await store.acceptRejectedInboundRequest(source.id, first!.id, 'fresh', T0 + MINUTE), 'accepted');
      const now = await store.getInboundRequest(source.id, first!.id);
      assert.equal(now?.verdict, 'accepted');
      assert.equal(now?.rejectReason, null);
      assert.equal(now?.dedupeKey, 'fresh');
      assert.equal(await store.acceptRejectedInboundRequest(source.id, second!.id, 'taken', T0 + MINUTE), 'duplicate');
      assert.equal((await store.getInboundRequest(source.id, second!.id))?.duplicateOf, accepted.id);
      assert.equal((await store.getInboundRequest(source.id, accepted.id))?.duplicates, 1);
      assert.equal(await store.acceptRejectedInboundRequest(source.id, first!.id, 'fresh', T0 + MINUTE), 'accepted', 'twice is harmless');
      assert.equal(await store.acceptRejectedInboundRequest(source.id, second!.id, null, T0 + MINUTE), 'duplicate', 'a verdict other than rejected is kept');
      await assert.rejects(store.acceptRejectedInboundRequest(source.id, newId('inreq'), null, T0), (e) => codeOf(e) === 'not_found');
      const claimed = await store.claimInboundRequests(10, LEASE, T0 + MINUTE);
      assert.deepEqual(claimed.map((c) => c.request.id).sort(), [first!.id, accepted.id].sort(), 'the accepted one is routed; the duplicate and the still rejected one are not');
    }));

    test('purging drops the bodies of old rejected requests only', withStore(async (store) => {
      const { source } = await createSource(store);
      const old = rejected(source.id, T0);
      const recent = rejected(source.id, T0 + 2 * MINUTE);
      const accepted = newInboundRequest(source.id, T0);
      const duplicateLike = newInboundRequest(source.id, T0, { dedupeKey: 'k' });
      await record(store, [old, recent, accepted, duplicateLike, newInboundRequest(source.id, T0, { dedupeKey: 'k' })], T0 + 2 * MINUTE);
      assert.equal(await store.purgeRejectedInboundBodies(T0 + MINUTE), 1);
      assert.equal((await store.getInboundRequest(source.id, old.id))?.body, null);
      assert.equal((await store.getInboundRequest(source.id, old.id))?.rejectReason, old.rejectReason, 'the record itself stays');
      assert.ok((await store.getInboundRequest(source.id, recent.id))?.body?.equals(recent.body!));
      assert.ok((await store.getInboundRequest(source.id, accepted.id))?.body?.equals(accepted.body!));
      assert.equal(await store.purgeRejectedInboundBodies(T0 + MINUTE), 0, 'nothing is purged twice');
    }));
  });
}
