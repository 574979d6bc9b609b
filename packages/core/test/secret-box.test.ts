import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SecretBox, SecretKeyError } from '../src/secret-box.ts';

const key = () => SecretBox.generateKey();

test('whatever is sealed opens to itself, and sealing the same text twice gives different ciphertexts', () => {
  const box = SecretBox.fromBase64([key()]);
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
    const sealed = box.seal(text);
    assert.equal(box.open(sealed), text);
    assert.notEqual(box.seal(text), sealed);
    if (text.length >= 4) assert.ok(!sealed.includes(text));
  }), { numRuns: 200 });
});

test('after a key rotation old values still open, and resealing moves them to the new key', () => {
  const [oldKey, newKey] = [key(), key()];
  const sealedOld = SecretBox.fromBase64([oldKey]).seal('whsec_abc');
  const rotated = SecretBox.fromBase64([newKey, oldKey]);
  assert.equal(rotated.open(sealedOld), 'whsec_abc');
  const resealed = rotated.reseal(sealedOld);
  assert.notEqual(resealed, sealedOld);
  assert.equal(rotated.reseal(resealed), resealed, 'a value already under the first key is left alone');
  assert.equal(SecretBox.fromBase64([newKey]).open(resealed), 'whsec_abc');
  const fromPlaintext = rotated.reseal('whsec_plain');
  assert.ok(fromPlaintext.startsWith('hsec1:') && !fromPlaintext.includes('plain'), 'a value stored before encryption gets sealed');
  assert.equal(rotated.open(fromPlaintext), 'whsec_plain');
});

test('a value sealed with an unknown key, or tampered with, is refused with a SecretKeyError', () => {
  const sealed = SecretBox.fromBase64([key()]).seal('whsec_abc');
  assert.throws(() => SecretBox.fromBase64([key()]).open(sealed), SecretKeyError);
  const box = SecretBox.fromBase64([key()]);
  const good = box.seal('whsec_abc');
  const payload = Buffer.from(good.split(':')[2]!, 'base64');
  payload[14] = payload[14]! ^ 1;
  assert.throws(() => box.open(`${good.split(':').slice(0, 2).join(':')}:${payload.toString('base64')}`), SecretKeyError);
  assert.throws(() => new SecretBox([Buffer.alloc(16)]), SecretKeyError);
});
