import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';

/**
 * Standard Webhooks asymmetric signatures (v1a, ed25519). An endpoint opts in by having a `whsk_`
 * secret: `whsk_` + base64 of the 32-byte RFC 8032 private key (the seed). Receivers verify with
 * the `whpk_` public key: `whpk_` + base64 of the raw 32-byte public key.
 */
export const ED25519_SECRET_PREFIX = 'whsk_';
export const ED25519_PUBLIC_PREFIX = 'whpk_';

// DER header of a PKCS#8 ed25519 private key; the 32-byte seed follows it.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function isEd25519Secret(secret: string): boolean {
  return secret.startsWith(ED25519_SECRET_PREFIX);
}

// Importing a key costs OpenSSL far more than signing with it (a PKCS#8 decode), so the sender
// keeps the keys of recently used endpoints; the oldest is dropped past the limit.
const importedKeys = new Map<string, KeyObject>();
const MAX_IMPORTED_KEYS = 1_000;

export function ed25519PrivateKey(secret: string): KeyObject {
  let key = importedKeys.get(secret);
  if (!key) {
    key = importPrivateKey(secret);
    importedKeys.set(secret, key);
    if (importedKeys.size > MAX_IMPORTED_KEYS) importedKeys.delete(importedKeys.keys().next().value!);
  }
  return key;
}

function importPrivateKey(secret: string): KeyObject {
  const seed = Buffer.from(secret.slice(ED25519_SECRET_PREFIX.length), 'base64');
  if (seed.length !== 32) throw new RangeError('a whsk_ secret is base64 of a 32-byte ed25519 seed');
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** The `whpk_` key receivers verify with: what the API shows for an endpoint with a `whsk_` secret. */
export function ed25519PublicKeyOf(secret: string): string {
  const jwk = createPublicKey(ed25519PrivateKey(secret)).export({ format: 'jwk' });
  return ED25519_PUBLIC_PREFIX + Buffer.from(jwk.x!, 'base64url').toString('base64');
}

export function signEd25519(privateKey: KeyObject, content: Buffer): string {
  return `v1a,${sign(null, content, privateKey).toString('base64')}`;
}
