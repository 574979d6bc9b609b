import { randomBytes } from 'node:crypto';

/**
 * Svix-compatible ids: a prefix and a 27-character KSUID (base62 of 4 bytes of seconds since the
 * KSUID epoch + 16 bytes of payload). Ids made by one process are strictly increasing: within the
 * same second the payload is incremented rather than redrawn, so sorting by id is sorting by
 * creation order, which is what cursor pagination relies on.
 */
export type IdPrefix = 'app' | 'ep' | 'msg' | 'atmpt' | 'task' | 'tok' | 'inbin' | 'audit';

const KSUID_EPOCH_SECONDS = 1_400_000_000;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ENCODED_LENGTH = 27;

let lastSecond = -1;
const lastPayload = Buffer.alloc(16);

function nextPayload(second: number): Buffer {
  if (second === lastSecond) {
    for (let i = 15; i >= 0; i--) {
      const byte = lastPayload[i]! + 1;
      lastPayload[i] = byte & 0xff;
      if (byte <= 0xff) break;
    }
  } else {
    randomBytes(16).copy(lastPayload);
    // Leave head-room so that increments within one second never wrap around.
    lastPayload[0] = lastPayload[0]! & 0x7f;
    lastSecond = second;
  }
  return lastPayload;
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
  const bytes = Buffer.alloc(20);
  bytes.writeUInt32BE(second, 0);
  nextPayload(second).copy(bytes, 4);
  return base62(bytes);
}

export function newId(prefix: IdPrefix, nowMs?: number): string {
  return `${prefix}_${ksuid(nowMs)}`;
}

export function hasPrefix(id: string, prefix: IdPrefix): boolean {
  return id.startsWith(prefix + '_') && id.length === prefix.length + 1 + ENCODED_LENGTH;
}
