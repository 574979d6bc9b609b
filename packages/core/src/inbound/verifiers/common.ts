import { createHmac } from 'node:crypto';
import type { RawInboundRequest, VerifyResult } from '../verify.ts';

export const OK: VerifyResult = { ok: true };

export function missing(detail: string): VerifyResult {
  return { ok: false, reason: 'missing_signature', detail };
}

export function bad(detail: string): VerifyResult {
  return { ok: false, reason: 'bad_signature', detail };
}

export function unauthorized(detail: string): VerifyResult {
  return { ok: false, reason: 'unauthorized', detail };
}

export function stale(detail: string): VerifyResult {
  return { ok: false, reason: 'timestamp_out_of_tolerance', detail };
}

/** A header value, or null when absent or empty (headers are lower-cased by the caller). */
export function header(request: RawInboundRequest, name: string): string | null {
  const value = request.headers[name];
  return value === undefined || value.trim() === '' ? null : value.trim();
}

export function hmac(algorithm: 'sha1' | 'sha256' | 'sha512', key: string | Buffer, ...parts: Array<string | Buffer>): Buffer {
  const mac = createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** A unix timestamp (seconds; 13 digits for the ms some senders use), strictly digits (no sign, exponent or fraction), or null. */
export function parseUnixSeconds(value: string | null | undefined): number | null {
  if (value === null || value === undefined || !/^\d{1,13}$/.test(value)) return null;
  return Number(value);
}

/**
 * Whether `timestampSeconds` is at most `toleranceSeconds` away from now, in either direction: a
 * signature from the future is as suspect as an old one. The boundary itself passes (Stripe's
 * `timestampAge > tolerance` fails, so equal passes).
 */
export function withinTolerance(timestampSeconds: number, now: number, toleranceSeconds: number): boolean {
  return Math.abs(Math.floor(now / 1000) - timestampSeconds) <= toleranceSeconds;
}

/**
 * `key=value` items split on `separator` (Stripe's "t=1,v1=a,v1=b", Paddle's "ts=1;h1=a"):
 * every value per key, in order. Items without "=" are ignored.
 */
export function parseSignatureItems(value: string, separator: string): Map<string, string[]> {
  const items = new Map<string, string[]>();
  for (const item of value.split(separator)) {
    const at = item.indexOf('=');
    if (at <= 0) continue;
    // Not trimmed: the providers' parsers do not trim either, and " v1" is not "v1" to them.
    const key = item.slice(0, at);
    const list = items.get(key) ?? [];
    list.push(item.slice(at + 1));
    items.set(key, list);
  }
  return items;
}
