/**
 * Providers that sign the raw body, or a timestamp and the raw body, with HMAC-SHA256 under a
 * shared secret: GitHub, Stripe, Shopify, Slack, Linear, Paddle, PagerDuty. Each follows the
 * provider's documented scheme (../shared/reference/inbound.md §3). The signature is always
 * checked before the timestamp, so that `timestamp_out_of_tolerance` is only ever reported for an
 * authentic but stale (or replayed) request, which tells an operator their clock or a replay is
 * the problem, not their secret. Signatures are compared exactly as the provider's own code
 * compares them (hex in the case the provider sends, lower), so that Herald never accepts a header
 * the provider's verifier would refuse (inbound-vendor-agreement.test.ts).
 */
import { anySignature } from '../constant-time.ts';
import type { RawInboundRequest, VerifyResult } from '../verify.ts';
import { OK, bad, header, hmac, missing, parseSignatureItems, parseUnixSeconds, stale, withinTolerance } from './common.ts';

export const STRIPE_TOLERANCE_SECONDS = 300;
export const SLACK_TOLERANCE_SECONDS = 300;
export const LINEAR_TOLERANCE_MS = 60_000;
/** The Paddle SDK's MAX_VALID_TIME_DIFFERENCE. */
export const PADDLE_TOLERANCE_SECONDS = 5;

/**
 * The timestamp of a header that must carry exactly one. Two are ambiguous (Stripe's parser keeps
 * the last, a naive one the first), so such a header is refused rather than read either way.
 */
function singleTimestamp(values: string[] | undefined): number | null {
  return values?.length === 1 ? parseUnixSeconds(values[0]) : null;
}

function hexOf(secrets: readonly string[], ...parts: Array<string | Buffer>): string[] {
  return secrets.map((secret) => hmac('sha256', secret, ...parts).toString('hex'));
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex of HMAC-SHA256(body)>`. A source without a secret is not checked (GitHub then signs nothing). */
export function verifyGithub(secrets: readonly string[], request: RawInboundRequest): VerifyResult {
  if (secrets.length === 0) return OK;
  const signature = header(request, 'x-hub-signature-256');
  if (signature === null) return missing('no X-Hub-Signature-256 header');
  const expected = hexOf(secrets, request.body).map((hex) => `sha256=${hex}`);
  return anySignature([signature], expected) ? OK : bad('X-Hub-Signature-256 does not match');
}

/** Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]` over `${t}.${body}`; 300 s. */
export function verifyStripe(secrets: readonly string[], request: RawInboundRequest, now: number): VerifyResult {
  const value = header(request, 'stripe-signature');
  if (value === null) return missing('no Stripe-Signature header');
  const items = parseSignatureItems(value, ',');
  const timestamp = singleTimestamp(items.get('t'));
  const signatures = items.get('v1') ?? [];
  if (timestamp === null || signatures.length === 0) return bad('Stripe-Signature has no single t= timestamp or no v1= signature');
  const expected = hexOf(secrets, `${timestamp}.`, request.body);
  if (!anySignature(signatures, expected)) return bad('no v1 signature in Stripe-Signature matches');
  if (!withinTolerance(timestamp, now, STRIPE_TOLERANCE_SECONDS)) return stale(`Stripe-Signature t=${timestamp} is more than ${STRIPE_TOLERANCE_SECONDS} s from now`);
  return OK;
}

/** Shopify: `X-Shopify-Hmac-Sha256: <base64 of HMAC-SHA256(body)>`. */
export function verifyShopify(secrets: readonly string[], request: RawInboundRequest): VerifyResult {
  const signature = header(request, 'x-shopify-hmac-sha256');
  if (signature === null) return missing('no X-Shopify-Hmac-Sha256 header');
  const expected = secrets.map((secret) => hmac('sha256', secret, request.body).toString('base64'));
  return anySignature([signature], expected) ? OK : bad('X-Shopify-Hmac-Sha256 does not match');
}

/** Slack: `X-Slack-Signature: v0=<hex>` over `v0:${X-Slack-Request-Timestamp}:${body}`; 5 minutes. */
export function verifySlack(secrets: readonly string[], request: RawInboundRequest, now: number): VerifyResult {
  const signature = header(request, 'x-slack-signature');
  const timestampText = header(request, 'x-slack-request-timestamp');
  if (signature === null || timestampText === null) return missing('no X-Slack-Signature or X-Slack-Request-Timestamp header');
  const timestamp = parseUnixSeconds(timestampText);
  if (timestamp === null) return bad('X-Slack-Request-Timestamp is not a unix timestamp');
  const expected = hexOf(secrets, `v0:${timestamp}:`, request.body).map((hex) => `v0=${hex}`);
  if (!anySignature([signature], expected)) return bad('X-Slack-Signature does not match');
  if (!withinTolerance(timestamp, now, SLACK_TOLERANCE_SECONDS)) return stale(`X-Slack-Request-Timestamp is more than ${SLACK_TOLERANCE_SECONDS} s from now`);
  return OK;
}

/**
 * Linear: `Linear-Signature: <hex of HMAC-SHA256(body)>`, and the body's `webhookTimestamp` (ms)
 * within 60 s, as Linear's SDK checks it. The timestamp is read only after the signature passed,
 * so the JSON parse runs on authentic bytes only.
 */
export function verifyLinear(secrets: readonly string[], request: RawInboundRequest, now: number): VerifyResult {
  const signature = header(request, 'linear-signature');
  if (signature === null) return missing('no Linear-Signature header');
  if (!anySignature([signature], hexOf(secrets, request.body))) return bad('Linear-Signature does not match');
  const timestamp = linearTimestamp(request.body);
  if (timestamp === null) return stale('the body has no numeric webhookTimestamp');
  if (Math.abs(now - timestamp) > LINEAR_TOLERANCE_MS) return stale(`webhookTimestamp is more than ${LINEAR_TOLERANCE_MS / 1000} s from now`);
  return OK;
}

function linearTimestamp(body: Buffer): number | null {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    const value = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).webhookTimestamp : undefined;
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

/** Paddle: `Paddle-Signature: ts=<unix>;h1=<hex>[;h1=<hex>]` over `${ts}:${body}`; 5 s (the Paddle SDK's limit). */
export function verifyPaddle(secrets: readonly string[], request: RawInboundRequest, now: number): VerifyResult {
  const value = header(request, 'paddle-signature');
  if (value === null) return missing('no Paddle-Signature header');
  const items = parseSignatureItems(value, ';');
  const timestamp = singleTimestamp(items.get('ts'));
  const signatures = items.get('h1') ?? [];
  if (timestamp === null || signatures.length === 0) return bad('Paddle-Signature has no single ts= timestamp or no h1= signature');
  if (!anySignature(signatures, hexOf(secrets, `${timestamp}:`, request.body))) return bad('no h1 signature in Paddle-Signature matches');
  if (!withinTolerance(timestamp, now, PADDLE_TOLERANCE_SECONDS)) return stale(`Paddle-Signature ts=${timestamp} is more than ${PADDLE_TOLERANCE_SECONDS} s from now`);
  return OK;
}

/** PagerDuty (v3): `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>]` of HMAC-SHA256(body); any may match. */
export function verifyPagerduty(secrets: readonly string[], request: RawInboundRequest): VerifyResult {
  const value = header(request, 'x-pagerduty-signature');
  if (value === null) return missing('no X-PagerDuty-Signature header');
  const signatures = parseSignatureItems(value, ',').get('v1') ?? [];
  if (signatures.length === 0) return bad('X-PagerDuty-Signature has no v1= signature');
  return anySignature(signatures, hexOf(secrets, request.body)) ? OK : bad('no v1 signature in X-PagerDuty-Signature matches');
}
