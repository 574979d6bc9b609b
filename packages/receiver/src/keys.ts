import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { InvalidKeyError } from './errors.ts';

/**
 * Key formats (Standard Webhooks): `whsec_` + base64 random bytes (HMAC-SHA256, signatures `v1,`);
 * `whsk_` + base64 ed25519 private key and `whpk_` + base64 ed25519 public key (signatures `v1a,`).
 * An ed25519 private key is the 32-byte RFC 8032 seed; the 64-byte seed-then-public-key form of
 * libsodium is accepted too. A public key is the raw 32 bytes. A secret without any prefix is
 * read as `whsec_`, as the Svix and Standard Webhooks libraries do.
 */
export const SYMMETRIC_PREFIX = 'whsec_';
export const PRIVATE_KEY_PREFIX = 'whsk_';
export const PUBLIC_KEY_PREFIX = 'whpk_';

export type VerificationKey =
  | { kind: 'symmetric'; secret: Buffer }
  | { kind: 'asymmetric'; publicKey: KeyObject };

export type SigningKey =
  | { kind: 'symmetric'; secret: Buffer }
  | { kind: 'asymmetric'; privateKey: KeyObject };

// DER header of a PKCS#8 ed25519 private key; the 32-byte seed follows it.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_KEY_BYTES = 32;

function decodeBase64(encoded: string, what: string): Buffer {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new InvalidKeyError(`${what} is not base64`);
  return Buffer.from(encoded, 'base64');
}

export function ed25519PrivateKey(encoded: string): KeyObject {
  const bytes = decodeBase64(encoded, 'the whsk_ key');
  if (bytes.length !== ED25519_KEY_BYTES && bytes.length !== 2 * ED25519_KEY_BYTES) {
    throw new InvalidKeyError(`a whsk_ key is 32 bytes (or 64, seed then public key), not ${bytes.length}`);
  }
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, bytes.subarray(0, ED25519_KEY_BYTES)]),
    format: 'der',
    type: 'pkcs8',
  });
  if (bytes.length === 2 * ED25519_KEY_BYTES && !rawPublicKey(createPublicKey(privateKey)).equals(bytes.subarray(ED25519_KEY_BYTES))) {
    throw new InvalidKeyError('the public half of this 64-byte whsk_ key does not belong to its seed');
  }
  return privateKey;
}

export function ed25519PublicKey(encoded: string): KeyObject {
  const bytes = decodeBase64(encoded, 'the whpk_ key');
  if (bytes.length !== ED25519_KEY_BYTES) throw new InvalidKeyError(`a whpk_ key is 32 bytes, not ${bytes.length}`);
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: bytes.toString('base64url') }, format: 'jwk' });
}

function rawPublicKey(publicKey: KeyObject): Buffer {
  return Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
}

function symmetricSecret(key: string): Buffer {
  const secret = decodeBase64(key.startsWith(SYMMETRIC_PREFIX) ? key.slice(SYMMETRIC_PREFIX.length) : key, 'the whsec_ secret');
  if (secret.length === 0) throw new InvalidKeyError('the whsec_ secret is empty');
  return secret;
}

/** A receiver may hold a `whsk_` key (it then verifies with its public half), but needs only `whpk_`. */
export function verificationKey(key: string): VerificationKey {
  if (key.startsWith(PUBLIC_KEY_PREFIX)) return { kind: 'asymmetric', publicKey: ed25519PublicKey(key.slice(PUBLIC_KEY_PREFIX.length)) };
  if (key.startsWith(PRIVATE_KEY_PREFIX)) {
    return { kind: 'asymmetric', publicKey: createPublicKey(ed25519PrivateKey(key.slice(PRIVATE_KEY_PREFIX.length))) };
  }
  return { kind: 'symmetric', secret: symmetricSecret(key) };
}

export function signingKey(key: string): SigningKey {
  if (key.startsWith(PUBLIC_KEY_PREFIX)) throw new InvalidKeyError('a whpk_ public key can verify but not sign');
  if (key.startsWith(PRIVATE_KEY_PREFIX)) return { kind: 'asymmetric', privateKey: ed25519PrivateKey(key.slice(PRIVATE_KEY_PREFIX.length)) };
  return { kind: 'symmetric', secret: symmetricSecret(key) };
}

/** The `whpk_` key receivers verify with, from the sender's `whsk_` key. */
export function publicKeyOf(privateKey: string): string {
  if (!privateKey.startsWith(PRIVATE_KEY_PREFIX)) throw new InvalidKeyError('expected a whsk_ key');
  return PUBLIC_KEY_PREFIX + rawPublicKey(createPublicKey(ed25519PrivateKey(privateKey.slice(PRIVATE_KEY_PREFIX.length)))).toString('base64');
}

/** A fresh ed25519 key pair in Standard Webhooks form. */
export function generateKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  const secret = PRIVATE_KEY_PREFIX + seed.toString('base64');
  return { privateKey: secret, publicKey: publicKeyOf(secret) };
}
