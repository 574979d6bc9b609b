/**
 * Stored API tokens, besides the one admin token. Only the SHA-256 of a token is kept: a token is
 * 32 random bytes, so a fast hash is enough to verify it and a dump of the database reveals nothing.
 *
 * Scopes are a small fixed list: `read` allows GET, `write` allows every other method. An
 * organisation token reaches every application; an application token (the Svix app-portal token)
 * reaches only its own application and reads the event-type catalogue.
 */
export type TokenKind = 'organisation' | 'application';
export type TokenScope = 'read' | 'write';
export const TOKEN_SCOPES: readonly TokenScope[] = ['read', 'write'];

export interface ApiToken {
  id: string;
  kind: TokenKind;
  /** The application an application token is confined to; null for organisation tokens. */
  appId: string | null;
  scopes: TokenScope[];
  /** Feature flags of event types this token may see (Svix AppPortalAccessIn.featureFlags). */
  featureFlags: string[];
  description: string;
  tokenSha256: string;
  expiresAt: number | null;
  revokedAt: number | null;
  createdAt: number;
  lastUsedAt: number | null;
}

export type TokenVerdict = { ok: true } | { ok: false; reason: 'revoked' | 'expired' };

export function tokenUsable(token: ApiToken, now: number): TokenVerdict {
  if (token.revokedAt !== null) return { ok: false, reason: 'revoked' };
  if (token.expiresAt !== null && token.expiresAt <= now) return { ok: false, reason: 'expired' };
  return { ok: true };
}
