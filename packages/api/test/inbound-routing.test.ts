import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { sign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import type { RouteOutcome, Store } from '@herald/storage';
import { eventually, startReceiver, type Receiver } from '@herald/testing';
import { InboundRouter } from '../src/inbound/router.ts';
import { messageOut } from '../src/schemas/message.ts';
import { startInboundHarness, type InboundHarness } from './support/inbound-harness.ts';
import { PostgresStore } from '@herald/storage-postgres';
import { postgresTestDatabase } from '@herald/testing/postgres';

const SECRET = 'github webhook secret';

/** A signed GitHub delivery of `event` with this body, as GitHub sends it. */
async function github(url: string, event: string, delivery: string, body: string) {
  return fetch(url, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/abc123',
      'x-github-event': event,
      'x-github-delivery': delivery,
      'x-github-hook-id': '4242',
      'x-hub-signature-256': await sign(SECRET, body),
    },
  });
}

/** The request's outcomes once routed (newest round first), by endpoint id. */
async function routed(store: Store, requestId: string, round = 0): Promise<Map<string, RouteOutcome>> {
  return eventually(async () => {
    const outcomes = (await store.listRouteOutcomes(requestId)).filter((outcome) => outcome.round === round);
    return outcomes.length > 0 ? new Map(outcomes.map((outcome) => [outcome.endpointId, outcome])) : undefined;
  }, 10_000, `routing of ${requestId}`);
}

/** A router dies after its message is committed and before it completes; another routes the request again. */
async function crashBetweenMessageAndCompletion(harness: InboundHarness, target: Receiver): Promise<void> {
  const { source, ingestUrl } = await harness.source('generic-webhook', {});
  await harness.endpoint(source, target.url);
  const response = await fetch(ingestUrl, { method: 'POST', body: '{"n":1}', headers: { 'content-type': 'application/json' } });
  const requestId = response.headers.get('herald-request-id')!;
  const logger = pino({ level: 'silent' });
  const crashing = new Proxy(harness.store, {
    get(store, name, receiver) {
      if (name === 'completeInboundRouting' || name === 'completeInboundRoutings') return async () => { throw new Error('the process died here'); };
      const value = Reflect.get(store, name, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(store) : value;
    },
  });
  const first = new InboundRouter({ store: crashing, ingest: harness.ingest, clock: Date.now, logger, leaseMs: 30_000 });
  assert.equal(await first.routeBatch(), 1);
  const [delivered] = await target.waitFor(1);
  assert.deepEqual(await harness.store.listRouteOutcomes(requestId), [], 'not completed');

  const stillLeased = new InboundRouter({ store: harness.store, ingest: harness.ingest, clock: Date.now, logger });
  assert.equal(await stillLeased.routeBatch(), 0, 'the lease holds it for now');
  const later = new InboundRouter({ store: harness.store, ingest: harness.ingest, clock: () => Date.now() + 31_000, logger });
  assert.equal(await later.routeBatch(), 1);
  const outcomes = await harness.store.listRouteOutcomes(requestId);
  assert.equal(outcomes.length, 1);
  assert.equal(outcomes[0]!.outcome, 'forwarded');
  assert.equal(outcomes[0]!.msgId, delivered!.headers['webhook-id']);
  const messages = await harness.store.listMessages(source.appId, { limit: 10, iterator: null, order: 'descending' });
  assert.equal(messages.data.length, 1, 'one message');

  // A marker routed after: once it arrives, any second delivery of the first would have too.
  const marker = await fetch(ingestUrl, { method: 'POST', body: '{"marker":1}', headers: { 'content-type': 'application/json' } });
  assert.equal(marker.status, 200);
  assert.equal(await later.routeBatch(), 1);
  const arrived = await target.waitFor(2);
  assert.deepEqual(arrived.map((r) => r.body), ['{"n":1}', '{"marker":1}']);
}

describe('routing accepted requests to ingest endpoints', () => {
  let harness: InboundHarness;
  const receivers: Receiver[] = [];
  const receiver = async () => {
    const started = await startReceiver();
    receivers.push(started);
    return started;
  };
  before(async () => {
    harness = await startInboundHarness();
  });
  after(async () => {
    await harness.stop();
    await Promise.all(receivers.map((r) => r.close()));
  });

  test('a signed GitHub request is committed, then forwarded byte for byte, signed with the endpoint\'s own secret, once, only where its filter matches', async () => {
    const { source, ingestUrl } = await harness.source('github', { secret: SECRET });
    const [pushes, issues] = [await receiver(), await receiver()];
    const onPush = await harness.endpoint(source, pushes.url, { filter: { headers: { 'x-github-event': 'push' }, body: { ref: { $startsWith: 'refs/heads/' } } } });
    const onIssues = await harness.endpoint(source, issues.url, { filter: { body: { action: 'opened' } } });
    // Spacing, key order and a number beyond double precision: a re-serialized body would differ.
    const body = '{ "ref":"refs/heads/main",\n  "after": 12345678901234567890123, "commits":[{"id":"c1"}] }';
    const response = await github(ingestUrl, 'push', 'delivery-1', body);
    assert.equal(response.status, 200);
    const requestId = response.headers.get('herald-request-id')!;
    const stored = await harness.store.getInboundRequest(source.id, requestId);
    assert.equal(stored?.verdict, 'accepted', 'committed before the answer');

    const [forward] = await pushes.waitFor(1);
    assert.equal(forward!.body, body);
    assert.equal(forward!.headers['content-type'], 'application/json');
    const message = await harness.store.getMessage(source.appId, requestId);
    assert.ok(message, 'one message, its eventId the request id');
    assert.equal(forward!.headers['webhook-id'], message.id);
    assert.doesNotThrow(() => new Webhook(onPush.secret).verify(forward!.body, forward!.headers));
    assert.throws(() => new Webhook(onIssues.secret).verify(forward!.body, forward!.headers), 'signed with that endpoint\'s secret only');
    assert.equal(forward!.headers['x-hub-signature-256'], undefined, 'provider headers pass only when listed');

    const outcomes = await routed(harness.store, requestId);
    assert.equal(outcomes.get(onPush.endpoint.id)?.outcome, 'forwarded');
    assert.equal(outcomes.get(onPush.endpoint.id)?.msgId, message.id);
    assert.equal(outcomes.get(onIssues.endpoint.id)?.outcome, 'filtered');
    assert.equal(outcomes.get(onIssues.endpoint.id)!.reason, 'body.action: missing, expected "opened"', 'the reason names the field once');

    // A later request that does match the issues endpoint arrives there; the push never did.
    const opened = '{"action":"opened","issue":{"number":1}}';
    await github(ingestUrl, 'issues', 'delivery-2', opened);
    const [only] = await issues.waitFor(1);
    assert.equal(only!.body, opened);
    assert.equal(issues.requests.length, 1);
    assert.equal(pushes.requests.length, 1, 'forwarded once');
  });

  test('a repeated delivery id is answered 2xx, recorded as a duplicate, and not forwarded again', async () => {
    const { source, ingestUrl } = await harness.source('github', { secret: SECRET });
    const target = await receiver();
    await harness.endpoint(source, target.url);
    const body = '{"zen":"Keep it logically awesome."}';
    const first = await github(ingestUrl, 'ping', 'same-delivery', body);
    const again = await github(ingestUrl, 'ping', 'same-delivery', body);
    assert.equal(first.status, 200);
    assert.equal(again.status, 200);
    const duplicate = await harness.store.getInboundRequest(source.id, again.headers.get('herald-request-id')!);
    assert.equal(duplicate?.verdict, 'duplicate');
    assert.equal(duplicate?.duplicateOf, first.headers.get('herald-request-id'));
    await target.waitFor(1);
    // A marker sent after the duplicate: once it has arrived, the duplicate had its chance.
    await github(ingestUrl, 'ping', 'marker', '{"marker":true}');
    const arrived = await target.waitFor(2);
    assert.deepEqual(arrived.map((r) => r.body), [body, '{"marker":true}']);
    assert.equal((await harness.store.getInboundRequest(source.id, first.headers.get('herald-request-id')!))?.duplicates, 1);
  });

  test('forwardHeaders: each endpoint gets the original content type and only the provider headers it lists; disabled endpoints get nothing', async () => {
    const { source, ingestUrl } = await harness.source('generic-webhook', {});
    const [listing, plain, off] = [await receiver(), await receiver(), await receiver()];
    const withList = await harness.endpoint(source, listing.url, { forwardHeaders: ['x-provider-event', 'X-Missing'] });
    await harness.endpoint(source, plain.url);
    const disabled = await harness.endpoint(source, off.url, { disabled: true });
    const body = 'kind=order&id=7';
    const response = await fetch(ingestUrl, {
      method: 'POST', body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-provider-event': 'order.created', 'x-provider-secret': 'keep-me-here', connection: 'keep-alive' },
    });
    assert.equal(response.status, 200);
    const [got] = await listing.waitFor(1);
    const [other] = await plain.waitFor(1);
    assert.equal(got!.body, body);
    assert.equal(got!.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(got!.headers['x-provider-event'], 'order.created');
    assert.equal(got!.headers['x-provider-secret'], undefined);
    assert.equal(other!.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(other!.headers['x-provider-event'], undefined, 'listed by another endpoint, not this one');
    assert.equal(got!.headers['webhook-id'], other!.headers['webhook-id'], 'one message for both');
    const message = await harness.store.getMessage(source.appId, response.headers.get('herald-request-id')!);
    assert.equal(messageOut(message!).payload, body, 'a body that is not JSON is shown as its text, not a 500');
    const outcomes = await routed(harness.store, response.headers.get('herald-request-id')!);
    assert.equal(outcomes.get(disabled.endpoint.id)?.outcome, 'endpoint_disabled');
    assert.equal(outcomes.get(withList.endpoint.id)?.outcome, 'forwarded');
    assert.equal(off.requests.length, 0);
  });

  test('a request no endpoint wants makes no message, and every endpoint\'s outcome says why', async () => {
    const { source, ingestUrl } = await harness.source('generic-webhook', {});
    const target = await receiver();
    const picky = await harness.endpoint(source, target.url, { filter: { query: { env: 'prod' } } });
    const response = await fetch(`${ingestUrl}?env=staging`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    const requestId = response.headers.get('herald-request-id')!;
    const outcomes = await routed(harness.store, requestId);
    assert.equal(outcomes.get(picky.endpoint.id)?.outcome, 'filtered');
    assert.equal(outcomes.get(picky.endpoint.id)?.msgId, null);
    assert.equal(await harness.store.getMessage(source.appId, requestId), undefined);
  });
});

describe('a router that stops between the message and its completion', () => {
  let harness: InboundHarness;
  let target: Receiver;
  before(async () => {
    harness = await startInboundHarness({ route: false });
    target = await startReceiver();
  });
  after(async () => {
    await harness.stop();
    await target.close();
  });

  test('the request is routed again after the lease, finds its message, and is delivered under the same webhook-id, once', () =>
    crashBetweenMessageAndCompletion(harness, target));

  test('a stale router\'s completion is refused once another took the request over (fenced)', async () => {
    const { source, ingestUrl } = await harness.source('generic-webhook', {});
    await harness.endpoint(source, target.url, { filter: { body: { never: true } } });
    await fetch(ingestUrl, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    const now = Date.now();
    const [stale] = await harness.store.claimInboundRequests(10, 1_000, now);
    assert.ok(stale);
    const [fresh] = await harness.store.claimInboundRequests(10, 1_000, now + 2_000);
    assert.equal(fresh?.request.id, stale.request.id);
    const router = new InboundRouter({ store: harness.store, ingest: harness.ingest, clock: () => now + 2_500, logger: pino({ level: 'silent' }) });
    assert.equal(await router.route(stale), false);
    assert.equal(await router.route(fresh!), true);
    assert.equal((await harness.store.listRouteOutcomes(stale.request.id)).length, 1);
  });
});


const postgres = await postgresTestDatabase();

describe('a router that stops between the message and its completion, on PostgreSQL', { skip: !postgres }, () => {
  let harness: InboundHarness;
  let target: Receiver;
  before(async () => {
    const store = new PostgresStore({ connectionString: postgres!.url, schema: await postgres!.createSchema(), poolSize: 4 });
    await store.migrate();
    harness = await startInboundHarness({ store, route: false });
    target = await startReceiver();
  });
  after(async () => {
    await harness.stop();
    await target.close();
  });

  test('the request is routed again after the lease, finds its message, and is delivered under the same webhook-id, once', () =>
    crashBetweenMessageAndCompletion(harness, target));
});
