/** Builders shared by the inbound gateway's conformance files (sources, requests, routing). */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { HeraldError, newId } from '@herald/core';
import type { Store } from '../../store.ts';
import {
  newSourceToken,
  sourceTokenHash,
  type InboundSource,
  type NewInboundRequest,
  type NewSource,
  type RecordedInboundRequest,
} from '../../inbound.ts';
import { T0 } from './fixtures.ts';

export const GITHUB_SECRET = 'gh-webhook-secret-' + 'x'.repeat(16);

export function newSource(overrides: Partial<NewSource> = {}): NewSource {
  return {
    id: newId('src'), uid: null, name: 'GitHub', type: 'github', config: { secret: GITHUB_SECRET }, metadata: {},
    appId: newId('app'), disabled: false, allowedCidrs: null, rateLimit: null, response: null, dedupe: null,
    ...overrides,
  };
}

/** A fresh random token, as the API makes them (at least 128 bits). */
export function randomToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Creates a source at T0 with a fresh token; returns both. */
export async function createSource(store: Store, overrides: Partial<NewSource> = {}): Promise<{ source: InboundSource; token: string }> {
  const token = randomToken();
  const source = await store.createSource(newSource(overrides), newSourceToken(token), T0);
  return { source, token };
}

export const byToken = (store: Store, token: string, now: number) => store.findSourceByToken(sourceTokenHash(token), now);

export function newInboundRequest(sourceId: string, at: number, overrides: Partial<NewInboundRequest> = {}): NewInboundRequest {
  return {
    id: newId('inreq', at), sourceId, receivedAt: at, method: 'POST', path: '/in/token', query: '',
    headers: { 'content-type': 'application/json', 'x-github-event': 'push' }, body: Buffer.from('{"a":1}'),
    sourceIp: '203.0.113.9', verdict: 'accepted', rejectReason: null, dedupeKey: null, eventType: 'push',
    ...overrides,
  };
}

export function rejected(sourceId: string, at: number, overrides: Partial<NewInboundRequest> = {}): NewInboundRequest {
  return newInboundRequest(sourceId, at, { verdict: 'rejected', rejectReason: 'verification_failed: bad_signature', ...overrides });
}

/** Records the batch at `now`, asserting that every member was stored; returns what the store decided. */
export async function record(store: Store, batch: NewInboundRequest[], now: number): Promise<RecordedInboundRequest[]> {
  const results = await store.recordInboundRequests(batch, now);
  assert.equal(results.length, batch.length, 'one result per request');
  return results.map((result, index) => {
    if (result instanceof HeraldError) assert.fail(`request ${index} was not recorded: ${result.message}`);
    assert.equal(result.id, batch[index]!.id);
    return result;
  });
}

/** Accepted requests of one source, one a millisecond from `at`. */
export async function recordAccepted(store: Store, sourceId: string, count: number, at: number): Promise<string[]> {
  const batch = Array.from({ length: count }, (_, i) => newInboundRequest(sourceId, at + i));
  await record(store, batch, at + count);
  return batch.map((request) => request.id);
}
