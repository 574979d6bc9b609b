/**
 * The `hmac` type: a configurable HMAC for providers without a preset (Convoy's and Hookdeck's
 * generic verifier). The header holds `prefix + encoded MAC`; the MAC is over `signedString` with
 * `{body}` replaced by the raw body bytes and `{timestamp}` by the timestampHeader's value (the
 * body alone by default). With a timestampHeader, the timestamp must be within toleranceSeconds.
 */
import { anySignature } from '../constant-time.ts';
import { DEFAULT_HMAC_TOLERANCE_SECONDS, type HmacSourceConfig } from '../source-types.ts';
import type { RawInboundRequest, VerifyResult } from '../verify.ts';
import { OK, bad, header, hmac, missing, parseUnixSeconds, stale, withinTolerance } from './common.ts';

export function verifyGenericHmac(config: HmacSourceConfig, secrets: readonly string[], request: RawInboundRequest, now: number): VerifyResult {
  const value = header(request, config.header);
  if (value === null) return missing(`no ${config.header} header`);
  const prefix = config.prefix ?? '';
  if (!value.startsWith(prefix)) return bad(`${config.header} does not start with "${prefix}"`);
  let signature = value.slice(prefix.length).trim();
  // No vendor code to agree with here, and senders differ in the case of their hex: either is taken.
  if (config.encoding === 'hex') signature = signature.toLowerCase();

  let timestamp: number | null = null;
  let timestampText = '';
  if (config.timestampHeader) {
    const text = header(request, config.timestampHeader);
    if (text === null) return missing(`no ${config.timestampHeader} header`);
    timestamp = parseUnixSeconds(text);
    if (timestamp === null) return bad(`${config.timestampHeader} is not a unix timestamp`);
    timestampText = text;
  }
  const parts = signedParts(config.signedString ?? '{body}', request.body, timestampText);
  const expected = secrets.map((secret) => hmac(config.algorithm, secret, ...parts).toString(config.encoding));
  if (!anySignature([signature], expected)) return bad(`${config.header} does not match`);
  if (timestamp !== null) {
    // 13 digits and more is a millisecond timestamp (JavaScript senders); seconds otherwise.
    const seconds = timestampText.length >= 13 ? Math.floor(timestamp / 1000) : timestamp;
    const tolerance = config.toleranceSeconds ?? DEFAULT_HMAC_TOLERANCE_SECONDS;
    if (!withinTolerance(seconds, now, tolerance)) return stale(`${config.timestampHeader} is more than ${tolerance} s from now`);
  }
  return OK;
}

/** The template split at its placeholders; the body stays bytes, never a decoded string. */
function signedParts(template: string, body: Buffer, timestamp: string): Array<string | Buffer> {
  const parts: Array<string | Buffer> = [];
  for (const piece of template.split(/(\{body\}|\{timestamp\})/)) {
    if (piece === '{body}') parts.push(body);
    else if (piece === '{timestamp}') parts.push(timestamp);
    else if (piece !== '') parts.push(piece);
  }
  return parts;
}
