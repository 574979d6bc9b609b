import { createHmac, timingSafeEqual, verify as verifySignature } from 'node:crypto';
import {
  InvalidHeadersError,
  InvalidSignatureError,
  MissingHeadersError,
  TimestampOutOfToleranceError,
} from './errors.ts';
import { headerValue, type HeaderSource } from './headers.ts';
import { verificationKey, type VerificationKey } from './keys.ts';
import { signedContent } from './signed-content.ts';

export interface VerifierOptions {
  /** Accepted distance between `webhook-timestamp` and now, either way. Default 300 (5 minutes). */
  toleranceSeconds?: number;
  /** Milliseconds since the epoch; tests pass a fixed clock. */
  now?: () => number;
}

export interface VerifiedWebhook {
  id: string;
  /** Unix seconds, from `webhook-timestamp`. */
  timestamp: number;
  /** The body exactly as signed, decoded as UTF-8. */
  body: string;
}

export type Verifier = (body: Uint8Array | string, headers: HeaderSource) => VerifiedWebhook;

export const DEFAULT_TOLERANCE_SECONDS = 300;
/** A sender signs once per active key; more than this is an attempt to make us burn CPU. */
const MAX_SIGNATURES = 16;

/**
 * A verifier for one or more keys (several during a rotation on the receiving side): `whsec_`
 * secrets check `v1,` signatures, `whpk_` (or `whsk_`) keys check `v1a,` signatures. Any one valid
 * signature passes. Throws a WebhookVerificationError subclass, never returns a failure.
 */
export function createVerifier(keys: string | readonly string[], options: VerifierOptions = {}): Verifier {
  const parsed = (typeof keys === 'string' ? [keys] : keys).map(verificationKey);
  if (parsed.length === 0) throw new RangeError('at least one key is needed to verify webhooks');
  const symmetric = parsed.filter((key) => key.kind === 'symmetric');
  const asymmetric = parsed.filter((key) => key.kind === 'asymmetric');
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = options.now ?? Date.now;

  return (body, headers) => {
    const id = headerValue(headers, 'webhook-id');
    const timestampText = headerValue(headers, 'webhook-timestamp');
    const signatureList = headerValue(headers, 'webhook-signature');
    const missing = [['webhook-id', id], ['webhook-timestamp', timestampText], ['webhook-signature', signatureList]]
      .filter(([, value]) => !value).map(([name]) => name!);
    if (missing.length > 0) throw new MissingHeadersError(missing);
    if (!/^\d{1,15}$/.test(timestampText!)) throw new InvalidHeadersError('webhook-timestamp must be integer unix seconds');
    const timestamp = Number(timestampText);
    const nowSeconds = Math.floor(now() / 1000);
    // Checked before the signature so a replayed old request costs no crypto.
    if (Math.abs(nowSeconds - timestamp) > tolerance) throw new TimestampOutOfToleranceError(timestamp, nowSeconds, tolerance);

    const signatures = signatureList!.split(' ').filter(Boolean);
    if (signatures.length > MAX_SIGNATURES) throw new InvalidHeadersError(`more than ${MAX_SIGNATURES} signatures`);
    const content = signedContent(id!, timestampText!, body);
    const verified = (): VerifiedWebhook => ({ id: id!, timestamp, body: typeof body === 'string' ? body : Buffer.from(body).toString('utf8') });
    let expectedHmacs: Buffer[] | undefined;
    for (const entry of signatures) {
      const comma = entry.indexOf(',');
      const version = entry.slice(0, comma);
      const signature = Buffer.from(entry.slice(comma + 1), 'base64');
      if (comma < 0 || signature.length === 0) continue;
      if (version === 'v1') {
        expectedHmacs ??= symmetric.map((key) => hmac(key, content));
        if (expectedHmacs.some((expected) => expected.length === signature.length && timingSafeEqual(expected, signature))) return verified();
      } else if (version === 'v1a') {
        if (asymmetric.some((key) => verifySignature(null, content, key.publicKey, signature))) return verified();
      }
    }
    throw new InvalidSignatureError();
  };
}

function hmac(key: VerificationKey & { kind: 'symmetric' }, content: Buffer): Buffer {
  return createHmac('sha256', key.secret).update(content).digest();
}
