/**
 * Whatever a sender puts in a request, the core answers with a value and never throws: the
 * receive route turns a throw into a 5xx, and providers retry 5xx for days.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { challengeAnswer, dedupeKey, inboundEventType, parseInboundBody, verifyInbound, type RawInboundRequest, type SourceType } from '@herald/core';
import { SCHEMES } from './inbound-signers.ts';

const HEADER_NAMES = [
  'x-hub-signature-256', 'stripe-signature', 'x-shopify-hmac-sha256', 'x-slack-signature', 'x-slack-request-timestamp',
  'webhook-id', 'webhook-timestamp', 'webhook-signature', 'svix-id', 'svix-timestamp', 'svix-signature', 'x-twilio-signature',
  'x-twilio-webhooks-signature-settings', 'x-gitlab-token', 'linear-signature', 'paddle-signature', 'x-pagerduty-signature',
  'x-signature', 'x-acme-signature', 'x-acme-timestamp', 'authorization', 'x-api-key', 'x-github-event', 'x-shopify-topic',
  'x-github-delivery', 'content-type',
];

/** Strings a hostile sender might choose: separators, digits, huge numbers, NUL bytes, unpaired surrogates. */
const hostileText = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.stringMatching(/^[tvh1s=,;: 0-9a-zA-Z+/]{0,80}$/),
  fc.constantFrom('t=99999999999999999999,v1=', 'v1,', 'ts=;h1=', 'Basic ', 'Basic Og==', 'v0=', '\u0000', '\ud800', '9'.repeat(400)),
);

const hostileRequest: fc.Arbitrary<RawInboundRequest> = fc.record({
  method: fc.constantFrom('POST', 'PUT', 'GET'),
  url: fc.oneof(
    fc.webUrl({ withQueryParameters: true }),
    hostileText,
    fc.constantFrom('https://h.example/in/t?bodySHA256=', 'https://[::1/in/t', 'https://h.example:99999/in/t?key=%E0%A4%A'),
  ),
  headers: fc.dictionary(fc.constantFrom(...HEADER_NAMES), hostileText, { maxKeys: 8 }),
  body: fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.string({ maxLength: 200 }).map((text) => new TextEncoder().encode(text))).map((bytes) => Buffer.from(bytes)),
});

test('verifyInbound answers every hostile request for every type with a verdict, never a throw', () => {
  const configs = SCHEMES.map((scheme) => ({ type: scheme.type, config: scheme.config(scheme.newSecret(), scheme.newSecret()) }));
  fc.assert(
    fc.property(fc.constantFrom(...configs), hostileRequest, fc.integer({ min: 0, max: 4_102_444_800_000 }), ({ type, config }, request, now) => {
      const result = verifyInbound(type, config, request, now);
      assert.equal(typeof result.ok, 'boolean');
    }),
    { numRuns: 2000 },
  );
});

test('a type Herald does not know (a stored row from elsewhere) fails closed', () => {
  const result = verifyInbound('cron' as SourceType, { secret: 'x' }, { method: 'POST', url: 'https://h.example/in/t', headers: {}, body: Buffer.alloc(0) }, 0);
  assert.equal(result.ok, false);
});

test('a dedupe rule naming an inherited property finds nothing rather than throwing', () => {
  const request = { method: 'POST', url: 'https://h.example/in/t', headers: {}, body: Buffer.alloc(0) };
  for (const path of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    assert.equal(dedupeKey('github', { from: 'header', path }, request, null), null, path);
  }
});

test('body parsing, dedupe keys, event types and challenges never throw on hostile input', () => {
  const types = [...new Set(SCHEMES.map((scheme) => scheme.type))];
  fc.assert(
    fc.property(
      fc.constantFrom(...types),
      hostileRequest,
      fc.option(fc.record({ from: fc.constantFrom('header' as const, 'body' as const, 'query' as const), path: hostileText }), { nil: null }),
      (type, request, rule) => {
        const body = parseInboundBody(request.headers['content-type'], request.body);
        const key = dedupeKey(type, rule, request, body);
        assert.ok(key === null || (typeof key === 'string' && key.length <= 256));
        assert.match(inboundEventType(type, request, body), /^[a-zA-Z0-9\-_.]{1,256}$/);
        challengeAnswer(type, body);
      },
    ),
    { numRuns: 2000 },
  );
});
