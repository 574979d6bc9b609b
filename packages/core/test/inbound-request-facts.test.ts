import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SVIX_CONFIG_TYPES, challengeAnswer, dedupeKey, inboundEventType, parseInboundBody, validateDedupeRule, type RawInboundRequest } from '@herald/core';

function req(headers: Record<string, string>, body: unknown = {}, url = 'https://hooks.example.com/in/tok'): RawInboundRequest {
  return { method: 'POST', url, headers, body: Buffer.from(JSON.stringify(body)) };
}

test('bodies: JSON (with or without a content type, with a BOM), form-urlencoded into an object; anything else null', () => {
  assert.deepEqual(parseInboundBody('application/json; charset=utf-8', Buffer.from('{"a":[1,2]}')), { a: [1, 2] });
  assert.deepEqual(parseInboundBody('application/cloudevents+json', Buffer.from('{"b":1}')), { b: 1 });
  assert.deepEqual(parseInboundBody(undefined, Buffer.from('\uFEFF{"c":true}')), { c: true });
  assert.equal(parseInboundBody('application/json', Buffer.from('{"unclosed":')), null);
  assert.equal(parseInboundBody('application/json', Buffer.alloc(0)), null);
  assert.equal(parseInboundBody('text/plain', Buffer.from('{"a":1}')), null);
  assert.equal(parseInboundBody('application/octet-stream', Buffer.from([0, 1, 2])), null);
  assert.deepEqual(parseInboundBody('application/x-www-form-urlencoded', Buffer.from('To=%2B1800&Body=hi+there&Media=a&Media=b')), {
    To: '+1800',
    Body: 'hi there',
    Media: ['a', 'b'],
  });
});

test('a form field named __proto__ is an ordinary key, not a prototype', () => {
  const parsed = parseInboundBody('application/x-www-form-urlencoded', Buffer.from('__proto__=x&polluted=no')) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value, 'x');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('parsing any bytes under any content type returns a value or null, never throws', () => {
  fc.assert(
    fc.property(fc.constantFrom(undefined, 'application/json', 'application/x-www-form-urlencoded', 'text/xml', ''), fc.uint8Array({ maxLength: 200 }), (type, bytes) => {
      parseInboundBody(type, Buffer.from(bytes));
    }),
    { numRuns: 300 },
  );
});

test("dedupe presets read each provider's delivery id", () => {
  assert.equal(dedupeKey('github', null, req({ 'x-github-delivery': 'd-1' }), {}), 'd-1');
  assert.equal(dedupeKey('stripe', null, req({}), { id: 'evt_1' }), 'evt_1');
  assert.equal(dedupeKey('slack', null, req({}), { event_id: 'Ev1' }), 'Ev1');
  assert.equal(dedupeKey('shopify', null, req({ 'x-shopify-webhook-id': 'sh-1' }), {}), 'sh-1');
  assert.equal(dedupeKey('pagerduty', null, req({ 'x-webhook-id': 'pd-1' }), {}), 'pd-1');
  assert.equal(dedupeKey('linear', null, req({ 'linear-delivery': 'li-1' }), {}), 'li-1');
  assert.equal(dedupeKey('paddle', null, req({}), { event_id: 'evt_01' }), 'evt_01');
  for (const type of SVIX_CONFIG_TYPES) {
    assert.equal(dedupeKey(type, null, req({ 'webhook-id': 'msg_1' }), {}), 'msg_1', type);
    assert.equal(dedupeKey(type, null, req({ 'svix-id': 'msg_2' }), {}), 'msg_2', type);
  }
  assert.equal(dedupeKey('generic-webhook', null, req({ 'x-github-delivery': 'd-1' }), { id: 'x' }), null, 'no preset: no dedupe');
  assert.equal(dedupeKey('stripe', null, req({}), { id: { nested: true } }), null, 'a non-scalar id is no key');
  assert.equal(dedupeKey('github', null, req({}), {}), null, 'a missing header is no key');
});

test('an override rule replaces the preset: header, dotted body path (arrays by index), or query', () => {
  const body = { data: { object: { id: 'ch_1' }, items: [{ n: 7 }] } };
  assert.equal(dedupeKey('stripe', { from: 'body', path: 'data.object.id' }, req({}), body), 'ch_1');
  assert.equal(dedupeKey('generic-webhook', { from: 'body', path: 'data.items.0.n' }, req({}), body), '7');
  assert.equal(dedupeKey('generic-webhook', { from: 'header', path: 'X-Request-Id' }, req({ 'x-request-id': 'r-1' }), {}), 'r-1');
  assert.equal(dedupeKey('generic-webhook', { from: 'query', path: 'delivery' }, req({}, {}, 'https://h.example/in/t?delivery=q-1'), {}), 'q-1');
  assert.equal(dedupeKey('generic-webhook', { from: 'body', path: 'constructor.name' }, req({}), {}), null, 'inherited properties are not read');
});

test('a very long key is kept as its SHA-256, the same for the same id', () => {
  const long = 'x'.repeat(10_000);
  const key = dedupeKey('stripe', null, req({}), { id: long });
  assert.match(key ?? '', /^sha256:[0-9a-f]{64}$/);
  assert.equal(dedupeKey('stripe', null, req({}), { id: long }), key);
  assert.notEqual(dedupeKey('stripe', null, req({}), { id: `${long}y` }), key);
});

test('dedupe rules are validated when saved', () => {
  assert.equal(validateDedupeRule({ from: 'body', path: 'data.id' }), null);
  assert.deepEqual(validateDedupeRule({ from: 'cookie', path: 'a' })?.loc, ['dedupe', 'from']);
  assert.deepEqual(validateDedupeRule({ from: 'body', path: 'a..b' })?.loc, ['dedupe', 'path']);
  assert.deepEqual(validateDedupeRule({ from: 'header', path: '' })?.loc, ['dedupe', 'path']);
  assert.deepEqual(validateDedupeRule('header:x')?.loc, ['dedupe']);
});

test('event types come from where each provider names its event, fitted to Herald event type names', () => {
  assert.equal(inboundEventType('github', req({ 'x-github-event': 'issues' }), { action: 'opened' }), 'issues.opened');
  assert.equal(inboundEventType('github', req({ 'x-github-event': 'push' }), { ref: 'refs/heads/main' }), 'push');
  assert.equal(inboundEventType('stripe', req({}), { type: 'invoice.paid' }), 'invoice.paid');
  assert.equal(inboundEventType('slack', req({}), { type: 'event_callback', event: { type: 'app_mention' } }), 'app_mention');
  assert.equal(inboundEventType('slack', req({}), { type: 'url_verification', challenge: 'c' }), 'url_verification');
  const slashCommand = parseInboundBody('application/x-www-form-urlencoded', Buffer.from('command=%2Fdeploy&text=prod'));
  assert.equal(inboundEventType('slack', req({}), slashCommand), 'slash_command');
  const interaction = parseInboundBody('application/x-www-form-urlencoded', Buffer.from(`payload=${encodeURIComponent('{"type":"block_actions"}')}`));
  assert.equal(inboundEventType('slack', req({}), interaction), 'block_actions');
  assert.equal(inboundEventType('slack', req({}), { payload: 'not json' }), 'inbound');
  assert.equal(inboundEventType('shopify', req({ 'x-shopify-topic': 'orders/create' }), {}), 'orders.create');
  assert.equal(inboundEventType('clerk', req({}), { type: 'user.created', data: {} }), 'user.created');
  assert.equal(inboundEventType('gitlab', req({ 'x-gitlab-event': 'Push Hook' }), { object_kind: 'push' }), 'push');
  assert.equal(inboundEventType('gitlab', req({ 'x-gitlab-event': 'Push Hook' }), null), 'Push_Hook');
  assert.equal(inboundEventType('linear', req({}), { type: 'Issue', action: 'create' }), 'Issue.create');
  assert.equal(inboundEventType('paddle', req({}), { event_type: 'subscription.created' }), 'subscription.created');
  assert.equal(inboundEventType('pagerduty', req({}), { event: { event_type: 'incident.triggered' } }), 'incident.triggered');
  assert.equal(inboundEventType('twilio', req({}), { CallSid: 'CA1' }), 'inbound');
  assert.equal(inboundEventType('stripe', req({}), null), 'inbound');
  assert.equal(inboundEventType('stripe', req({}), { type: '' }), 'inbound');
});

test('any event type Herald derives is a valid Herald event type name', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 400 }), fc.string({ maxLength: 50 }), (event, action) => {
      const name = inboundEventType('github', req({ 'x-github-event': event }), { action });
      assert.match(name, /^[a-zA-Z0-9\-_.]{1,256}$/);
    }),
    { numRuns: 300 },
  );
});

test("Slack's url_verification is answered with its challenge; nothing else is", () => {
  assert.deepEqual(challengeAnswer('slack', { type: 'url_verification', token: 't', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' }), {
    status: 200,
    contentType: 'text/plain; charset=utf-8',
    body: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
  });
  assert.equal(challengeAnswer('slack', { type: 'event_callback', challenge: 'x' }), null);
  assert.equal(challengeAnswer('slack', { type: 'url_verification', challenge: 5 }), null);
  assert.equal(challengeAnswer('generic-webhook', { type: 'url_verification', challenge: 'x' }), null, 'other types echo nothing');
  assert.equal(challengeAnswer('slack', null), null);
});
