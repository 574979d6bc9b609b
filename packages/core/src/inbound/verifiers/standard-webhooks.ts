/**
 * Standard Webhooks (Svix and every svix-SDK type configured with SvixConfig): `webhook-id`,
 * `webhook-timestamp`, `webhook-signature: v1,<base64> [v1,<base64> ...]` (or the same under
 * `svix-*` names, which Svix itself still sends), HMAC-SHA256 over `${id}.${timestamp}.${body}`
 * keyed with the base64 bytes after `whsec_`. 300 s, as the standardwebhooks and svix libraries.
 */
import { anySignature } from '../constant-time.ts';
import type { RawInboundRequest, VerifyResult } from '../verify.ts';
import { OK, bad, header, hmac, missing, parseUnixSeconds, stale, withinTolerance } from './common.ts';

export const STANDARD_WEBHOOKS_TOLERANCE_SECONDS = 300;

export function standardWebhooksKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

export function verifyStandardWebhooks(secrets: readonly string[], request: RawInboundRequest, now: number): VerifyResult {
  // The webhook-* set wins when present; the svix-* names are the older spelling of the same scheme.
  const prefix = header(request, 'webhook-id') !== null ? 'webhook' : 'svix';
  const id = header(request, `${prefix}-id`);
  const timestampText = header(request, `${prefix}-timestamp`);
  const signatureList = header(request, `${prefix}-signature`);
  if (id === null || timestampText === null || signatureList === null) return missing(`no ${prefix}-id, ${prefix}-timestamp or ${prefix}-signature header`);
  const timestamp = parseUnixSeconds(timestampText);
  if (timestamp === null) return bad(`${prefix}-timestamp is not a unix timestamp`);
  const signatures = signatureList
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => entry.slice('v1,'.length));
  if (signatures.length === 0) return bad(`${prefix}-signature has no v1 signature`);
  const expected = secrets.map((secret) => hmac('sha256', standardWebhooksKey(secret), `${id}.${timestamp}.`, request.body).toString('base64'));
  if (!anySignature(signatures, expected)) return bad(`no v1 signature in ${prefix}-signature matches`);
  if (!withinTolerance(timestamp, now, STANDARD_WEBHOOKS_TOLERANCE_SECONDS)) return stale(`${prefix}-timestamp is more than ${STANDARD_WEBHOOKS_TOLERANCE_SECONDS} s from now`);
  return OK;
}
