import { createHmac, sign } from 'node:crypto';
import { signingKey } from './keys.ts';
import { signedContent } from './signed-content.ts';

export interface SignInput {
  id: string;
  /** Unix seconds. */
  timestamp: number;
  body: Uint8Array | string;
}

/**
 * The `webhook-signature` value for a body, one space-separated signature per key: `v1,` for a
 * `whsec_` secret, `v1a,` for a `whsk_` key. For tests of a receiver, and for senders.
 */
export function signWebhook(keys: string | readonly string[], input: SignInput): string {
  const content = signedContent(input.id, input.timestamp, input.body);
  return (typeof keys === 'string' ? [keys] : keys).map((encoded) => {
    const key = signingKey(encoded);
    return key.kind === 'symmetric'
      ? `v1,${createHmac('sha256', key.secret).update(content).digest('base64')}`
      : `v1a,${sign(null, content, key.privateKey).toString('base64')}`;
  }).join(' ');
}

/** All three Standard Webhooks headers for a body. */
export function webhookHeaders(keys: string | readonly string[], input: SignInput): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': signWebhook(keys, input),
  };
}
