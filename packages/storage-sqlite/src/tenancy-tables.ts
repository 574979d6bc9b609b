import type Database from 'better-sqlite3';
import type { ApiToken, AuditEntry, EndpointSecret } from '@herald/core';
import { pageCursor, toPage, type Page, type PageRequest } from '@herald/storage';

interface TokenRow {
  id: string; token_sha256: string; kind: ApiToken['kind']; app_id: string | null; scopes: string; feature_flags: string;
  description: string; expires_at: number | null; revoked_at: number | null; created_at: number; last_used_at: number | null;
}

interface AuditRow {
  id: string; at: number; actor_kind: AuditEntry['actorKind']; actor_token_id: string | null; method: string; route: string;
  resource_ids: string; status: number;
}

/** API tokens, the audit log and the secret rewrite: the SQLite side of tenancy and secrets at rest. */
export class TenancyTables {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }

  rewriteEndpointSecrets(rewrite: (stored: string) => string): number {
    const rows = this.stmt('SELECT id, secrets FROM endpoints').all() as Array<{ id: string; secrets: string }>;
    const update = this.stmt('UPDATE endpoints SET secrets = ? WHERE id = ?');
    let changed = 0;
    this.db.transaction(() => {
      for (const row of rows) {
        const secrets = JSON.parse(row.secrets) as EndpointSecret[];
        const rewritten = secrets.map((secret) => ({ ...secret, key: rewrite(secret.key) }));
        if (rewritten.some((secret, index) => secret.key !== secrets[index]!.key)) {
          update.run(JSON.stringify(rewritten), row.id);
          changed++;
        }
      }
    }).immediate();
    return changed;
  }

  createApiToken(token: ApiToken): void {
    this.stmt(`INSERT INTO api_tokens (id, token_sha256, kind, app_id, scopes, feature_flags, description, expires_at,
      revoked_at, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(token.id, token.tokenSha256, token.kind, token.appId, JSON.stringify(token.scopes), JSON.stringify(token.featureFlags),
        token.description, token.expiresAt, token.revokedAt, token.createdAt, token.lastUsedAt);
  }

  getApiToken(column: 'id' | 'token_sha256', value: string): ApiToken | undefined {
    const row = this.stmt(`SELECT * FROM api_tokens WHERE ${column} = ?`).get(value) as TokenRow | undefined;
    return row && toToken(row);
  }

  listApiTokens(request: PageRequest): Page<ApiToken> {
    return this.page<TokenRow, ApiToken>('api_tokens', request, toToken);
  }

  revokeApiToken(id: string, now: number): boolean {
    const result = this.stmt('UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?').run(now, id);
    return result.changes > 0;
  }

  touchApiToken(id: string, now: number): void {
    this.stmt('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(now, id);
  }

  appendAuditEntries(entries: AuditEntry[]): void {
    const insert = this.stmt(`INSERT INTO audit_log (id, at, actor_kind, actor_token_id, method, route, resource_ids, status)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      for (const entry of entries) {
        insert.run(entry.id, entry.at, entry.actorKind, entry.actorTokenId, entry.method, entry.route,
          JSON.stringify(entry.resourceIds), entry.status);
      }
    })();
  }

  listAuditEntries(request: PageRequest): Page<AuditEntry> {
    return this.page<AuditRow, AuditEntry>('audit_log', request, (row) => ({
      id: row.id, at: row.at, actorKind: row.actor_kind, actorTokenId: row.actor_token_id, method: row.method,
      route: row.route, resourceIds: JSON.parse(row.resource_ids) as Record<string, string>, status: row.status,
    }));
  }

  private page<R, T extends { id: string }>(table: string, request: PageRequest, map: (row: R) => T): Page<T> {
    const { after, descending } = pageCursor(request);
    const where = after === null ? '' : `WHERE id ${descending ? '<' : '>'} ?`;
    const rows = this.stmt(`SELECT * FROM ${table} ${where} ORDER BY id ${descending ? 'DESC' : 'ASC'} LIMIT ?`)
      .all(...(after === null ? [] : [after]), request.limit + 1) as R[];
    return toPage(rows.map(map), request, (item) => item.id);
  }
}

function toToken(row: TokenRow): ApiToken {
  return {
    id: row.id, kind: row.kind, appId: row.app_id, scopes: JSON.parse(row.scopes) as ApiToken['scopes'],
    featureFlags: JSON.parse(row.feature_flags) as string[], description: row.description, tokenSha256: row.token_sha256,
    expiresAt: row.expires_at, revokedAt: row.revoked_at, createdAt: row.created_at, lastUsedAt: row.last_used_at,
  };
}
