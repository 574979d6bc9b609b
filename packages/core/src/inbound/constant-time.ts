import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time equality for secrets whose length is itself secret (a token, a password, an API
 * key). Both sides are hashed first so that `timingSafeEqual` always gets two 32-byte buffers:
 * neither where the inputs differ nor the length of the expected value shows in the time taken.
 * Comparing the raw buffers would need a length check first, and returning early on it leaks the
 * length.
 */
export function sameSecret(a: Buffer | string, b: Buffer | string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function digest(value: Buffer | string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Constant-time equality for a presented signature against the expected one. The expected
 * length is public (fixed by the algorithm and encoding), so unequal lengths may answer at once;
 * equal lengths are compared byte for byte in constant time. Half the work of sameSecret, on
 * the path every accepted request takes.
 */
export function sameSignature(presented: string, expected: Buffer | string): boolean {
  const a = Buffer.from(presented);
  const b = typeof expected === 'string' ? Buffer.from(expected) : expected;
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Whether any presented signature equals any expected one. Every pair is compared, without
 * stopping at the first match, so the time does not tell which secret (current or previous) or
 * which of several signatures matched.
 */
export function anySignature(presented: readonly string[], expected: readonly (Buffer | string)[]): boolean {
  let matched = false;
  for (const candidate of presented) {
    for (const value of expected) matched = sameSignature(candidate, value) || matched;
  }
  return matched;
}

/** anySignature for credentials: every pair compared with sameSecret. */
export function anySecret(presented: readonly string[], expected: readonly string[]): boolean {
  let matched = false;
  for (const candidate of presented) {
    for (const value of expected) matched = sameSecret(candidate, value) || matched;
  }
  return matched;
}
