import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time equality of two byte strings of any length. Both sides are hashed first so that
 * `timingSafeEqual` always gets two 32-byte buffers: neither where the inputs differ nor the
 * length of the expected value (a token's, a password's) shows in the time taken. Comparing the
 * raw buffers would need a length check first, and returning early on it leaks the length.
 */
export function sameBytes(a: Buffer | string, b: Buffer | string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function digest(value: Buffer | string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Whether any presented value equals any expected one. Every pair is compared, without stopping at
 * the first match, so the time does not tell which secret (current or previous) or which of
 * several signatures matched.
 */
export function anySame(presented: readonly string[], expected: readonly (Buffer | string)[]): boolean {
  let matched = false;
  for (const candidate of presented) {
    for (const value of expected) matched = sameBytes(candidate, value) || matched;
  }
  return matched;
}
