import { randomBytes } from 'node:crypto';
import { sha256Hex } from '@herald/api';
import type { Store } from '@herald/storage';

/**
 * The admin token's hash. HERALD_ADMIN_TOKEN wins when set; otherwise the first start generates a
 * token, keeps only its hash, and returns the token so that it can be shown once.
 */
export async function resolveAdminToken(store: Store, configured: string | undefined): Promise<{ sha256: string; generated?: string }> {
  if (configured) return { sha256: sha256Hex(configured) };
  const candidate = `sk_herald_${randomBytes(24).toString('base64url')}`;
  const stored = await store.initSetting('admin_token_sha256', sha256Hex(candidate));
  return stored === sha256Hex(candidate) ? { sha256: stored, generated: candidate } : { sha256: stored };
}
