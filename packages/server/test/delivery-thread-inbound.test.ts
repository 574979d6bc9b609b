import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { HeraldError, SecretBox, newId, noOperationalEvents } from '@herald/core';
import { noDeliveryMetrics } from '@herald/delivery';
import { newSourceToken, type NewInboundRequest } from '@herald/storage';
import { SqliteStore } from '@herald/storage-sqlite';
import { cleanupList, tempDir } from '@herald/testing';
import { DeliveryThread } from '../src/delivery-thread/client.ts';

const cleanups = cleanupList();
after(() => cleanups.run());

test('inbound requests committed through the delivery thread are stored byte for byte, with per-request verdicts and errors', { timeout: 30_000 }, async () => {
  const dir = tempDir();
  cleanups.add(() => dir.remove());
  const dbPath = `${dir.path}/herald.db`;
  const sqlite = new SqliteStore({ path: dbPath });
  await sqlite.migrate();
  cleanups.add(() => sqlite.close());
  const thread = new DeliveryThread({
    dbPath, synchronous: 'FULL', encryptionKeys: [SecretBox.generateKey()], logLevel: 'silent', sender: { allowPrivateTargets: true },
    senderThreads: 1, retryScheduleMs: [1_000], failureWindowMs: 86_400_000, maxInFlight: 16, maxPerOrigin: 16,
  }, { metrics: noDeliveryMetrics, operational: noOperationalEvents, endpointsChanged: () => {} }, pino({ level: 'silent' }));
  cleanups.add(() => thread.stop());

  const now = Date.now();
  const source = await sqlite.createSource({
    id: newId('src'), uid: null, name: 'GitHub', type: 'github', config: {}, metadata: {}, appId: newId('app'), disabled: false,
    allowedCidrs: null, rateLimit: null, response: null, dedupe: null,
  }, newSourceToken(newId('tok')), now);
  const body = Buffer.from([0x7b, 0x00, 0xff, 0x7d]);
  const request = (overrides: Partial<NewInboundRequest>): NewInboundRequest => ({
    id: newId('inreq', now), sourceId: source.id, receivedAt: now, method: 'POST', path: '/in/t', query: '', headers: { a: 'b' },
    body, sourceIp: '127.0.0.1', verdict: 'accepted', rejectReason: null, dedupeKey: 'd-1', eventType: 'push', ...overrides,
  });
  const batch = [request({}), request({}), request({ sourceId: newId('src') }), request({ verdict: 'rejected', rejectReason: 'ip_not_allowed', body: null })];
  const results = await thread.recordInboundRequests(batch, now);
  assert.deepEqual(results.slice(0, 2), [
    { id: batch[0]!.id, verdict: 'accepted', duplicateOf: null },
    { id: batch[1]!.id, verdict: 'duplicate', duplicateOf: batch[0]!.id },
  ]);
  assert.ok(results[2] instanceof HeraldError && results[2].code === 'not_found', 'an error arrives as a HeraldError');
  assert.deepEqual(results[3], { id: batch[3]!.id, verdict: 'rejected', duplicateOf: null });

  // Read back on the API's own connection: committed, bytes intact.
  const stored = await sqlite.getInboundRequest(source.id, batch[0]!.id);
  assert.ok(Buffer.isBuffer(stored?.body) && stored.body.equals(body));
  assert.equal(stored?.duplicates, 1);
  assert.equal((await sqlite.getInboundRequest(source.id, batch[3]!.id))?.body, null);
});
