import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { SecretBox, SecretKeyError } from '@herald/core';
import { resealEndpointSecrets, type Store } from '@herald/storage';
import { ConfigError } from './config.ts';

export const KEY_FILE = 'encryption.key';

/**
 * The keys that seal secrets at rest: HERALD_ENCRYPTION_KEY when set (the first seals, all open).
 * Otherwise, so that embedded mode needs no configuration, a key generated into the data directory
 * (mode 0600) on first start: it then sits beside the database it protects, which guards a copied
 * database file but not a copied directory, so production should set the variable.
 */
export function resolveEncryptionKeys(configured: string[] | undefined, dataDir: string, logger: Logger): string[] {
  if (configured) return configured;
  const path = join(dataDir, KEY_FILE);
  try {
    return [readFileSync(path, 'utf8').trim()];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = SecretBox.generateKey();
  writeFileSync(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
  logger.warn({ path }, 'generated an encryption key for secrets at rest in the data directory; in production set HERALD_ENCRYPTION_KEY instead');
  return [key];
}

/**
 * Seals every stored secret under the first key, so that after one start with "new,old" the old
 * key can be dropped. A secret no configured key opens stops the start with a clear message.
 */
export async function resealSecrets(store: Store, box: SecretBox, logger: Logger): Promise<void> {
  try {
    const resealed = await resealEndpointSecrets(store, box);
    if (resealed > 0) logger.info({ endpoints: resealed }, 'sealed endpoint secrets under the current encryption key');
  } catch (error) {
    if (!(error instanceof SecretKeyError)) throw error;
    throw new ConfigError([`HERALD_ENCRYPTION_KEY cannot open the stored endpoint secrets (${error.message}); ` +
      'list the key they were sealed with after the new one, e.g. HERALD_ENCRYPTION_KEY=<new>,<old>']);
  }
}
