import { randomBytes } from 'node:crypto';

/**
 * Svix-compatible ids: a prefix and a 27-character KSUID (base62 of 4 bytes of seconds since the
 * KSUID epoch + 16 bytes of payload). Ids made by one process are strictly increasing: within the
 * same second the payload is incremented rather than redrawn, so sorting by id is sorting by
 * creation order, which is what cursor pagination relies on.
 */
export type IdPrefix = 'app' | 'ep' | 'msg' | 'atmpt' | 'task' | 'tok' | 'inbin' | 'audit' | 'src' | 'inreq' | 'poll';

const KSUID_EPOCH_SECONDS = 1_400_000_000;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ENCODED_LENGTH = 27;

let lastSecond = -1;
/** The digits of the last id made, so that the next one in the same second is an increment away. */
let lastDigits: string[] = [];

function freshDigits(second: number): string[] {
  const bytes = randomBytes(20);
  bytes.writeUInt32BE(second, 0);
  // Leave head-room so that increments within one second never carry into the seconds.
  bytes[4] = bytes[4]! & 0x7f;
  return base62(bytes).split('');
}

/** Adds one to a base62 number in place. */
export function incrementBase62(digits: string[]): void {
  for (let position = digits.length - 1; position >= 0; position--) {
    const value = ALPHABET.indexOf(digits[position]!) + 1;
    digits[position] = ALPHABET[value % 62]!;
    if (value < 62) return;
  }
}

/** Base62 of a 20-byte big-endian number by long division over 16-bit words (no BigInt: ids are on the hot path). */
export function base62(bytes: Buffer): string {
  const words = new Array<number>(10);
  for (let i = 0; i < 10; i++) words[i] = (bytes[2 * i]! << 8) | bytes[2 * i + 1]!;
  const digits = new Array<string>(ENCODED_LENGTH).fill('0');
  for (let position = ENCODED_LENGTH - 1; position >= 0; position--) {
    let remainder = 0;
    for (let i = 0; i < 10; i++) {
      const value = remainder * 65_536 + words[i]!;
      words[i] = Math.floor(value / 62);
      remainder = value % 62;
    }
    digits[position] = ALPHABET[remainder]!;
  }
  return digits.join('');
}

export function ksuid(nowMs: number = Date.now()): string {
  const second = Math.max(0, Math.floor(nowMs / 1000) - KSUID_EPOCH_SECONDS);
  // Within one second the 20-byte number grows by one, and so does its base62 spelling: adding one
  // to the digits is far cheaper than encoding 20 bytes again.
  if (second === lastSecond) incrementBase62(lastDigits);
  else {
    lastDigits = freshDigits(second);
    lastSecond = second;
  }
  return lastDigits.join('');
}

export function newId(prefix: IdPrefix, nowMs?: number): string {
  return `${prefix}_${ksuid(nowMs)}`;
}

export function hasPrefix(id: string, prefix: IdPrefix): boolean {
  return id.startsWith(prefix + '_') && id.length === prefix.length + 1 + ENCODED_LENGTH;
}
