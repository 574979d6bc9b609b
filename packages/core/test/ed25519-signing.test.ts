import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { ed25519PublicKeyOf, generateSecret, normaliseSecret, signatureHeaders, signingKey } from '@herald/core';

function newEd25519Secret(): { secret: string; publicKey: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    secret: 'whsk_' + Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url').toString('base64'),
    publicKey: Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url'),
  };
}

test('a whsk_ secret signs v1a ed25519 over id.timestamp.payload, verifiable with its whpk_ key only', () => {
  const { secret, publicKey } = newEd25519Secret();
  const whpk = ed25519PublicKeyOf(secret);
  assert.equal(whpk, 'whpk_' + publicKey.toString('base64'));
  const payload = '{"name":"Zoë 🎉"}';
  const headers = signatureHeaders([signingKey(secret)], 'msg_ed', 1_800_000_000, payload);
  const [version, signature] = headers['webhook-signature'].split(',');
  assert.equal(version, 'v1a');
  const content = Buffer.from(`msg_ed.1800000000.${payload}`);
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey.toString('base64url') }, format: 'jwk' });
  assert.ok(verify(null, content, key, Buffer.from(signature!, 'base64')));
  assert.ok(!verify(null, Buffer.from(`msg_ed.1800000001.${payload}`), key, Buffer.from(signature!, 'base64')));
  const other = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: newEd25519Secret().publicKey.toString('base64url') }, format: 'jwk' });
  assert.ok(!verify(null, content, other, Buffer.from(signature!, 'base64')));
});

test('during a rotation from whsec_ to whsk_ both a v1 and a v1a signature are sent', () => {
  const keys = [signingKey(newEd25519Secret().secret), signingKey(generateSecret())];
  const signatures = signatureHeaders(keys, 'msg_rot', 1_800_000_000, '{}')['webhook-signature'].split(' ');
  assert.deepEqual(signatures.map((entry) => entry.split(',')[0]), ['v1a', 'v1']);
});

test('a whsk_ secret is kept as given, not prefixed with whsec_', () => {
  const { secret } = newEd25519Secret();
  assert.equal(normaliseSecret(secret), secret);
  assert.throws(() => signingKey('whsk_' + Buffer.alloc(16).toString('base64')), RangeError);
});
