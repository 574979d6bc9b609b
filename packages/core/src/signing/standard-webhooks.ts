import { createHmac, randomBytes, type KeyObject } from 'node:crypto';
import { ed25519PrivateKey, isEd25519Secret, signEd25519 } from './ed25519.ts';

/**
 * Standard Webhooks signatures. signed content = `${id}.${timestamp}.${payload}`.
 * A `whsec_` secret signs symmetrically (v1, HMAC-SHA256; the key is the base64-decoded secret
 * without its prefix); a `whsk_` secret signs with ed25519 (v1a, see ed25519.ts).
 */
export const SECRET_PREFIX = 'whsec_';

/** HMAC key bytes for a `whsec_` secret, an ed25519 private key for a `whsk_` one. */
export type SigningKey = Buffer | KeyObject;

export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64');
}

export function signingKey(secret: string): SigningKey {
  if (isEd25519Secret(secret)) return ed25519PrivateKey(secret);
  const raw = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(raw, 'base64');
}

/** Canonical form of a secret the user supplied: `whsk_` kept, anything else `whsec_`-prefixed. */
export function normaliseSecret(secret: string): string {
  return secret.startsWith(SECRET_PREFIX) || isEd25519Secret(secret) ? secret : SECRET_PREFIX + secret;
}

export function signPayload(key: SigningKey, msgId: string, timestampSeconds: number, payload: string): string {
  if (!Buffer.isBuffer(key)) return signEd25519(key, Buffer.from(`${msgId}.${timestampSeconds}.${payload}`));
  const mac = createHmac('sha256', key).update(`${msgId}.${timestampSeconds}.`).update(payload).digest('base64');
  return `v1,${mac}`;
}

export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** One signature per active key, space-separated, so receivers keep verifying during rotation. */
export function signatureHeaders(
  keys: readonly SigningKey[],
  msgId: string,
  timestampSeconds: number,
  payload: string,
): SignatureHeaders {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': keys.map((key) => signPayload(key, msgId, timestampSeconds, payload)).join(' '),
  };
}
