import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** Marks a value sealed by SecretBox; anything without it is a plaintext value from before encryption. */
const PREFIX = 'hsec1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretKeyError extends Error {}

interface Key {
  id: string;
  bytes: Buffer;
}

/**
 * AES-256-GCM for secrets kept at rest (endpoint signing secrets). Several keys may be given: the
 * first seals, all of them open, so a key is rotated by putting the new one first and keeping the
 * old one until every value has been sealed again. A sealed value names its key by a short
 * fingerprint, so opening never has to try keys in turn. Pure node:crypto, no I/O.
 */
export class SecretBox {
  private readonly keys: Key[];

  constructor(keys: Buffer[]) {
    if (keys.length === 0) throw new SecretKeyError('at least one encryption key is needed');
    this.keys = keys.map((bytes) => {
      if (bytes.length !== 32) throw new SecretKeyError(`an encryption key must be 32 bytes (got ${bytes.length})`);
      return { id: createHash('sha256').update(bytes).digest('hex').slice(0, 8), bytes };
    });
  }

  /** Keys written as base64, the sealing key first. */
  static fromBase64(keys: string[]): SecretBox {
    return new SecretBox(keys.map((key) => Buffer.from(key, 'base64')));
  }

  static generateKey(): string {
    return randomBytes(32).toString('base64');
  }

  seal(plaintext: string): string {
    const key = this.keys[0]!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.bytes, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${PREFIX}${key.id}:${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64')}`;
  }

  /** Opens a sealed value; a value that was never sealed is returned as it is. */
  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const [keyId, payload] = stored.slice(PREFIX.length).split(':', 2) as [string, string | undefined];
    const key = this.keys.find((candidate) => candidate.id === keyId);
    if (!key || payload === undefined) {
      throw new SecretKeyError(`a stored secret was sealed with key ${keyId}, which is not among the configured keys`);
    }
    const data = Buffer.from(payload, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, data.subarray(0, IV_BYTES));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyError(`a stored secret sealed with key ${keyId} failed authentication`);
    }
  }

  /** The value sealed under the first key: unchanged if it already is. */
  reseal(stored: string): string {
    if (stored.startsWith(`${PREFIX}${this.keys[0]!.id}:`)) return stored;
    return this.seal(this.open(stored));
  }
}
