/**
 * Verifies an inbound request against its source's config, on the exact bytes received, before
 * anything parses them (Convoy verified a re-encoded body and broke form posts; its PR #2392).
 * Pure: the clock is a parameter. Every secret of the config (current and `previousSecret`) is
 * tried, and every comparison is constant-time (constant-time.ts).
 */
import { configSecrets, isSvixConfigType, type ApiKeySourceConfig, type BasicAuthSourceConfig, type HmacSourceConfig, type SourceConfig, type SourceType } from './source-types.ts';
import { verifyApiKey, verifyBasicAuth, verifyGitlab } from './verifiers/credentials.ts';
import { verifyGenericHmac } from './verifiers/generic-hmac.ts';
import { verifyGithub, verifyLinear, verifyPaddle, verifyPagerduty, verifyShopify, verifySlack, verifyStripe } from './verifiers/provider-hmac.ts';
import { verifyStandardWebhooks } from './verifiers/standard-webhooks.ts';
import { verifyTwilio } from './verifiers/twilio.ts';

export interface RawInboundRequest {
  method: string;
  /** The URL the provider called, as it called it (public base + path + query); Twilio signs it. */
  url: string;
  /** Lower-cased names; repeated headers joined with ", " (Node's rule). */
  headers: Record<string, string>;
  body: Buffer;
}

export type VerifyFailure = 'missing_signature' | 'bad_signature' | 'timestamp_out_of_tolerance' | 'unauthorized';

export type VerifyResult = { ok: true } | { ok: false; reason: VerifyFailure; detail: string };

/** now: epoch ms. Every secret of the config (current and previous) is tried, in constant time. */
export function verifyInbound(type: SourceType, config: SourceConfig, request: RawInboundRequest, now: number): VerifyResult {
  const secrets = configSecrets(type, config);
  if (isSvixConfigType(type)) return verifyStandardWebhooks(secrets, request, now);
  switch (type) {
    case 'generic-webhook':
      return { ok: true };
    case 'github':
      return verifyGithub(secrets, request);
    case 'stripe':
      return verifyStripe(secrets, request, now);
    case 'shopify':
      return verifyShopify(secrets, request);
    case 'slack':
      return verifySlack(secrets, request, now);
    case 'twilio':
      return verifyTwilio(secrets, request);
    case 'gitlab':
      return verifyGitlab(secrets, request);
    case 'linear':
      return verifyLinear(secrets, request, now);
    case 'paddle':
      return verifyPaddle(secrets, request, now);
    case 'pagerduty':
      return verifyPagerduty(secrets, request);
    case 'hmac':
      return verifyGenericHmac(config as HmacSourceConfig, secrets, request, now);
    case 'basic-auth':
      return verifyBasicAuth(config as BasicAuthSourceConfig, request);
    case 'api-key':
      return verifyApiKey(config as ApiKeySourceConfig, secrets, request);
    default:
      return unknownType(type);
  }
}

/** A type only reaches here if the stored config predates a removed type: refuse, never pass. */
function unknownType(type: never): VerifyResult {
  return { ok: false, reason: 'unauthorized', detail: `source type ${String(type)} cannot be verified` };
}
