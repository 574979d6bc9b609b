/** Builders, constants and helpers shared by the conformance suite's parts. */
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
import type { Ordering, Page, PageRequest } from '../../pagination.ts';
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
} from '../../store.ts';

export type OpenStore = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

/** Every time in the suite is an explicit epoch-millisecond value derived from T0; nothing sleeps. */
export const T0 = 1_700_000_000_000;
export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const LEASE = 30 * SECOND;

export const SECRET_A = 'whsec_' + 'A'.repeat(32);
export const SECRET_B = 'whsec_' + 'B'.repeat(32);

/**
 * Ids are KSUIDs: ASCII, and sorting them byte by byte is sorting them by creation. Stores must
 * order by that byte order (in Postgres: COLLATE "C"). The expected order in this suite is computed
 * by sorting rather than taken from creation order, because a store minting its own ids with an
 * explicit `now` (as deliveries are) makes newId redraw its in-second payload.
 */
export const byteOrder = (ids: string[]): string[] => [...ids].sort();

export function isConflict(error: unknown): boolean {
  return error instanceof HeraldError && error.code === 'conflict';
}

/** Wraps a test body: a fresh migrated store before, closed and removed after. */
export type WithStore = (body: (store: Store) => Promise<void>) => () => Promise<void>;

export function newApplication(overrides: Partial<NewApplication> = {}): NewApplication {
  return { id: newId('app'), uid: null, name: 'app', throttleRate: null, metadata: {}, ...overrides };
}

export function newEventType(name: string, overrides: Partial<NewEventType> = {}): NewEventType {
  return { name, description: name, archived: false, deprecated: false, featureFlag: null, schemas: null, ...overrides };
}

let endpointCounter = 0;

export function newEndpoint(appId: string, overrides: Partial<NewEndpoint> = {}): NewEndpoint {
  const n = endpointCounter++;
  return {
    id: newId('ep'), appId, uid: `ep-${n}`, url: `https://example.com/${n}`, description: '', disabled: false,
    eventTypes: null, channels: null, headers: {}, throttleRate: null, metadata: {}, version: 1, secret: SECRET_A,
    ...overrides,
  };
}

/** A message created at `at`; the suite always accepts it at that same time. */
export function newMessage(appId: string, at: number, overrides: Partial<Message> = {}): Message {
  return { id: newId('msg'), appId, eventType: 'order.paid', eventId: null, channels: null, tags: null, payload: '{"a":1}', createdAt: at, ...overrides };
}

export function idempotency(overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord {
  return { scope: 'scope', key: 'key', requestHash: 'hash', status: 202, body: '{}', createdAt: T0, ...overrides };
}

export async function seed(store: Store, endpoints = 1): Promise<{ app: Application; endpoints: Endpoint[] }> {
  const app = await store.createApplication(newApplication(), T0);
  const created: Endpoint[] = [];
  for (let i = 0; i < endpoints; i++) created.push(await store.createEndpoint(newEndpoint(app.id), T0));
  return { app, endpoints: created };
}

export async function createApplications(store: Store, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await store.createApplication(newApplication({ name: `a${i}` }), T0)).id);
  return ids;
}

/** Accepts one message at `at` (its createdAt too) for the given endpoints, asserting it committed. */
export async function accept(store: Store, appId: string, endpointIds: string[], at: number, overrides: Partial<Message> = {}): Promise<Message> {
  const message = newMessage(appId, at, overrides);
  const item: NewMessage = { message, endpointIds };
  assert.deepEqual(await store.createMessages([item], at), [null]);
  return message;
}

/** Claims everything due at `now`, keyed by "msgId/endpointId". */
export async function claimByMessage(store: Store, now: number, leaseMs: number): Promise<Map<string, ClaimedDelivery>> {
  const claimed = await store.claimDeliveries(1_000, leaseMs, now);
  return new Map(claimed.map((c) => [`${c.message.id}/${c.endpoint.id}`, c]));
}

export function result(
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

export async function applyResults(store: Store, results: DeliveryResult[], now: number): Promise<void> {
  assert.deepEqual(await store.recordResults(results, now), results.map(() => true), 'every result applies');
}

// Pagination walks

export async function walkPages<T>(
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
export async function walkBack<T>(
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
