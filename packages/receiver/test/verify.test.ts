import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import {
  InvalidHeadersError,
  InvalidKeyError,
  InvalidSignatureError,
  MissingHeadersError,
  TimestampOutOfToleranceError,
  createVerifier,
  generateKeyPair,
  publicKeyOf,
  signWebhook,
  webhookHeaders,
} from '@herald/receiver';
import { sharedReferenceOrFailUnderCi } from '@herald/testing/shared-reference';

// CI clones the repository with shared/ beside it; core keeps a vendored copy for checkouts without it.
const VENDORED_VECTORS = new URL('../../core/test/fixtures/standard-webhooks-vectors.json', import.meta.url);
// Under CI=true the vendored copy is no excuse: shared/ must be there, or the run fails.
const SHARED_VECTORS = sharedReferenceOrFailUnderCi('standard-webhooks-vectors.json');

type Vector = { secret: string; 'webhook-id': string; 'webhook-timestamp': string; payload: string; 'webhook-signature': string };
const vectors: Vector[] = JSON.parse(readFileSync(SHARED_VECTORS ?? VENDORED_VECTORS, 'utf8')).vectors;

const secret = 'whsec_' + Buffer.alloc(24, 3).toString('base64');
const nowSeconds = 1_800_000_000;
const clock = () => nowSeconds * 1000;

test('every Standard Webhooks vector verifies, at its own time', () => {
  assert.ok(vectors.length >= 4);
  for (const vector of vectors) {
    const verify = createVerifier(vector.secret, { now: () => Number(vector['webhook-timestamp']) * 1000 });
    const verified = verify(Buffer.from(vector.payload), vector);
    assert.equal(verified.body, vector.payload);
    assert.equal(verified.id, vector['webhook-id']);
    assert.equal(signWebhook(vector.secret, { id: vector['webhook-id'], timestamp: Number(vector['webhook-timestamp']), body: vector.payload }), vector['webhook-signature']);
  }
});

test('the standardwebhooks package verifies what the SDK signs, and the SDK verifies what it signs', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 24, maxLength: 64 }), fc.string({ unit: 'grapheme', maxLength: 200 }), (key, text) => {
      const keyText = 'whsec_' + Buffer.from(key).toString('base64');
      const body = JSON.stringify({ type: 'x', text });
      const timestamp = Math.floor(Date.now() / 1000);
      const ours = webhookHeaders(keyText, { id: 'msg_1', timestamp, body });
      assert.deepEqual(new Webhook(keyText).verify(body, ours), JSON.parse(body));
      const theirs = new Webhook(keyText).sign('msg_2', new Date(timestamp * 1000), body);
      const verified = createVerifier(keyText)(body, { 'webhook-id': 'msg_2', 'webhook-timestamp': String(timestamp), 'webhook-signature': theirs });
      assert.equal(verified.body, body);
    }),
    { numRuns: 100 },
  );
});

test('any changed byte of the body, id or timestamp fails verification, for v1 and v1a alike', () => {
  const pair = generateKeyPair();
  const kinds = { v1: { sign: secret, verify: createVerifier(secret, { now: clock }) }, v1a: { sign: pair.privateKey, verify: createVerifier(pair.publicKey, { now: clock }) } };
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 200 }), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.constantFrom('body', 'id', 'timestamp'),
      fc.constantFrom('v1', 'v1a'), (text, position, flip, part, kind) => {
        const { sign, verify } = kinds[kind as 'v1' | 'v1a'];
        const body = Buffer.from(JSON.stringify({ text }));
        const headers = webhookHeaders(sign, { id: 'msg_abc', timestamp: nowSeconds, body });
        assert.equal(verify(body, headers).body, body.toString());
        if (part === 'body') body[position % body.length]! ^= flip;
        if (part === 'id') headers['webhook-id'] = 'msg_abd';
        if (part === 'timestamp') headers['webhook-timestamp'] = String(nowSeconds - 1 - (position % 299));
        assert.throws(() => verify(body, headers), InvalidSignatureError);
      }),
    { numRuns: 300 },
  );
});

test('ed25519: a v1a signature verifies with the whpk_ key, and fails with another key or a changed body', () => {
  const pair = generateKeyPair();
  assert.match(pair.privateKey, /^whsk_[A-Za-z0-9+/]{43}=$/);
  assert.match(pair.publicKey, /^whpk_[A-Za-z0-9+/]{43}=$/);
  assert.equal(publicKeyOf(pair.privateKey), pair.publicKey);
  const body = '{"type":"order.paid"}';
  const headers = webhookHeaders(pair.privateKey, { id: 'msg_ed', timestamp: nowSeconds, body });
  assert.match(headers['webhook-signature'], /^v1a,[A-Za-z0-9+/]{86}==$/);
  assert.equal(createVerifier(pair.publicKey, { now: clock })(body, headers).id, 'msg_ed');
  assert.throws(() => createVerifier(generateKeyPair().publicKey, { now: clock })(body, headers), InvalidSignatureError);
  assert.throws(() => createVerifier(pair.publicKey, { now: clock })(body.replace('paid', 'void'), headers), InvalidSignatureError);
  // A v1a signature is never checked against a symmetric secret, nor a v1 one against a public key.
  assert.throws(() => createVerifier(secret, { now: clock })(body, headers), InvalidSignatureError);
  assert.throws(() => createVerifier(pair.publicKey, { now: clock })(body, webhookHeaders(secret, { id: 'msg_ed', timestamp: nowSeconds, body })),
    InvalidSignatureError);
});

test('the 64-byte libsodium form of a whsk_ key signs like its 32-byte seed', () => {
  const pair = generateKeyPair();
  const seed = Buffer.from(pair.privateKey.slice(5), 'base64');
  const long = 'whsk_' + Buffer.concat([seed, Buffer.from(pair.publicKey.slice(5), 'base64')]).toString('base64');
  const input = { id: 'msg_1', timestamp: nowSeconds, body: '{}' };
  assert.equal(signWebhook(long, input), signWebhook(pair.privateKey, input));
  const mismatched = 'whsk_' + Buffer.concat([seed, Buffer.alloc(32, 1)]).toString('base64');
  assert.throws(() => signWebhook(mismatched, input), InvalidKeyError);
});

test('any one valid signature among several passes, whatever its position and kind', () => {
  const pair = generateKeyPair();
  const other = 'whsec_' + Buffer.alloc(24, 9).toString('base64');
  const input = { id: 'msg_multi', timestamp: nowSeconds, body: '{"a":1}' };
  const signature = signWebhook([other, pair.privateKey, secret], input);
  assert.equal(signature.split(' ').length, 3);
  for (const key of [secret, pair.publicKey, [generateKeyPair().publicKey, other]]) {
    const verify = createVerifier(key, { now: clock });
    assert.equal(verify(input.body, { 'webhook-id': input.id, 'webhook-timestamp': String(nowSeconds), 'webhook-signature': `v2,zzz ${signature}` }).id, input.id);
  }
});

test('timestamps more than five minutes away either way are refused before any signature check', () => {
  const verify = createVerifier(secret, { now: clock });
  for (const offset of [-300, 0, 300]) {
    const headers = webhookHeaders(secret, { id: 'msg_t', timestamp: nowSeconds + offset, body: '{}' });
    assert.equal(verify('{}', headers).timestamp, nowSeconds + offset);
  }
  for (const offset of [-301, 301, -86_400]) {
    const headers = webhookHeaders(secret, { id: 'msg_t', timestamp: nowSeconds + offset, body: '{}' });
    assert.throws(() => verify('{}', headers), (error: unknown) =>
      error instanceof TimestampOutOfToleranceError && error.code === 'timestamp_out_of_tolerance' && error.status === 401);
  }
  const lenient = createVerifier(secret, { now: clock, toleranceSeconds: 3600 });
  assert.ok(lenient('{}', webhookHeaders(secret, { id: 'msg_t', timestamp: nowSeconds - 3600, body: '{}' })));
});

test('missing and malformed headers get typed errors with stable codes', () => {
  const verify = createVerifier(secret, { now: clock });
  const headers = webhookHeaders(secret, { id: 'msg_h', timestamp: nowSeconds, body: '{}' });
  assert.throws(() => verify('{}', { 'webhook-id': 'msg_h' }), (error: unknown) =>
    error instanceof MissingHeadersError && error.code === 'missing_headers' && error.missing.join() === 'webhook-timestamp,webhook-signature');
  assert.throws(() => verify('{}', { ...headers, 'webhook-timestamp': '17e8' }), InvalidHeadersError);
  assert.throws(() => verify('{}', { ...headers, 'webhook-signature': 'v1,' }), InvalidSignatureError);
  assert.throws(() => verify('{}', { ...headers, 'webhook-signature': Array(17).fill(headers['webhook-signature']).join(' ') }), InvalidHeadersError);
  // Header names are matched case-insensitively, and fetch Headers work as well as Node's object.
  assert.ok(verify('{}', { 'Webhook-Id': 'msg_h', 'WEBHOOK-TIMESTAMP': String(nowSeconds), 'webhook-signature': headers['webhook-signature'] }));
  assert.ok(verify('{}', new Headers(headers)));
});

test('malformed keys are refused when the verifier is created', () => {
  assert.throws(() => createVerifier('whpk_' + Buffer.alloc(31).toString('base64')), InvalidKeyError);
  assert.throws(() => createVerifier('whsec_not base64!'), InvalidKeyError);
  assert.throws(() => signWebhook(generateKeyPair().publicKey, { id: 'x', timestamp: 1, body: '' }), InvalidKeyError);
  assert.throws(() => createVerifier([]), RangeError);
});
