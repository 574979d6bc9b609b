import { z } from 'zod';
import { TOKEN_SCOPES, type ApiToken } from '@herald/core';
import { applicationIn } from './application.ts';
import { iso } from './common.ts';

const featureFlag = z.string().max(256).regex(/^[a-zA-Z0-9\-_.]+$/);
/** Seconds a token lives; Svix's app-portal default is 7 days. */
const expiry = z.number().int().min(1).max(10 * 365 * 86_400);

/**
 * Svix AppPortalAccessIn, plus the two fields newer Svix versions also take: `expiry` (seconds)
 * and `readOnly` (a token with the `read` scope only).
 */
export const appPortalAccessIn = z.object({
  application: applicationIn.nullish(),
  featureFlags: z.array(featureFlag).max(100).default([]),
  expiry: expiry.nullish(),
  readOnly: z.boolean().nullish(),
});

/**
 * Herald extension: an organisation token. Without `expiry` it lives until revoked. `scopes` has no
 * default: an empty body once made a read-write token for every application, more than a caller
 * who named nothing can have meant.
 */
export const organisationTokenIn = z.object({
  description: z.string().max(256).default(''),
  scopes: z.array(z.enum(TOKEN_SCOPES as [string, ...string[]])).min(1),
  expiry: expiry.nullish(),
});

export function tokenOut(token: ApiToken) {
  return {
    id: token.id,
    kind: token.kind,
    appId: token.appId,
    scopes: token.scopes,
    featureFlags: token.featureFlags,
    description: token.description,
    expiresAt: token.expiresAt === null ? null : iso(token.expiresAt),
    revokedAt: token.revokedAt === null ? null : iso(token.revokedAt),
    createdAt: iso(token.createdAt),
    lastUsedAt: token.lastUsedAt === null ? null : iso(token.lastUsedAt),
  };
}
