import { randomBytes } from 'node:crypto';
import { newId, type ApiToken, type TokenKind, type TokenScope } from '@herald/core';
import type { Store } from '@herald/storage';
import { sha256Hex } from '../auth.ts';

/** Svix's prefixes: app-portal tokens start `appsk_`; organisation tokens `sk_`. */
const PREFIX: Record<TokenKind, string> = { application: 'appsk_', organisation: 'sk_org_' };

export interface TokenRequest {
  kind: TokenKind;
  appId: string | null;
  scopes: TokenScope[];
  featureFlags: string[];
  description: string;
  expiresInSeconds: number | null;
}

/** Creates a token, stores its hash, and returns the only copy of the token itself. */
export async function issueToken(store: Store, request: TokenRequest, now: number): Promise<{ token: string; record: ApiToken }> {
  const token = PREFIX[request.kind] + randomBytes(32).toString('base64url');
  const record: ApiToken = {
    id: newId('tok', now),
    kind: request.kind,
    appId: request.appId,
    scopes: [...new Set(request.scopes)],
    featureFlags: request.featureFlags,
    description: request.description,
    tokenSha256: sha256Hex(token),
    expiresAt: request.expiresInSeconds === null ? null : now + request.expiresInSeconds * 1000,
    revokedAt: null,
    createdAt: now,
    lastUsedAt: null,
  };
  await store.createApiToken(record);
  return { token, record };
}
