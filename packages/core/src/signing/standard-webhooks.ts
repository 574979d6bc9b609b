import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks symmetric signatures (v1, HMAC-SHA256).
 * signed content = `${id}.${timestamp}.${payload}`; the key is the base64-decoded secret without
 * its `whsec_` prefix.
 */
export const SECRET_PREFIX = 'whsec_';

export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64');
}

export function secretKeyBytes(secret: string): Buffer {
  const raw = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(raw, 'base64');
}

/** Canonical `whsec_` form of a secret the user supplied with or without the prefix. */
export function normaliseSecret(secret: string): string {
  return secret.startsWith(SECRET_PREFIX) ? secret : SECRET_PREFIX + secret;
}

export function signPayload(key: Buffer, msgId: string, timestampSeconds: number, payload: string): string {
  const mac = createHmac('sha256', key).update(`${msgId}.${timestampSeconds}.`).update(payload).digest('base64');
  return `v1,${mac}`;
}

export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** One `v1,` signature per active key, space-separated, so receivers keep verifying during rotation. */
export function signatureHeaders(
  keys: readonly Buffer[],
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
