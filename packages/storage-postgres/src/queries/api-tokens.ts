import type { ApiToken } from '@herald/core';
import type { Page, PageRequest } from '@herald/storage';
import { Params, queryPage, type Queryable } from '../sql.ts';

interface TokenRow {
  id: string; token_sha256: string; kind: ApiToken['kind']; app_id: string | null; scopes: ApiToken['scopes'];
  feature_flags: string[]; description: string; expires_at: number | null; revoked_at: number | null; created_at: number;
  last_used_at: number | null;
}

const toToken = (row: TokenRow): ApiToken => ({
  id: row.id, kind: row.kind, appId: row.app_id, scopes: row.scopes, featureFlags: row.feature_flags, description: row.description,
  tokenSha256: row.token_sha256, expiresAt: row.expires_at, revokedAt: row.revoked_at, createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
});

export async function createApiToken(db: Queryable, token: ApiToken): Promise<void> {
  await db.query(`INSERT INTO api_tokens (id, token_sha256, kind, app_id, scopes, feature_flags, description, expires_at,
    revoked_at, created_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
  [token.id, token.tokenSha256, token.kind, token.appId, JSON.stringify(token.scopes), JSON.stringify(token.featureFlags),
    token.description, token.expiresAt, token.revokedAt, token.createdAt, token.lastUsedAt]);
}

export async function getApiToken(db: Queryable, column: 'id' | 'token_sha256', value: string): Promise<ApiToken | undefined> {
  const { rows } = await db.query<TokenRow>(`SELECT * FROM api_tokens WHERE ${column} = $1`, [value]);
  return rows[0] && toToken(rows[0]);
}

export function listApiTokens(db: Queryable, request: PageRequest): Promise<Page<ApiToken>> {
  return queryPage(db, 'SELECT * FROM api_tokens', [], new Params(), 'id', request, toToken, (token) => token.id);
}

/** The first revocation time stays. */
export async function revokeApiToken(db: Queryable, id: string, now: number): Promise<boolean> {
  const result = await db.query('UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2', [now, id]);
  return (result.rowCount ?? 0) > 0;
}

export async function touchApiToken(db: Queryable, id: string, now: number): Promise<void> {
  await db.query('UPDATE api_tokens SET last_used_at = $1 WHERE id = $2', [now, id]);
}
