import type Database from 'better-sqlite3';
import { ConflictError, NotFoundError } from '@herald/core';
import type { InboundSource, NewSource, NewSourceToken, Page, PageRequest, SourceChanges, SourceConfig, SourceToken } from '@herald/storage';
import { jsonOrNull, parseNullable } from '../rows.ts';

export interface SourceRow {
  id: string; uid: string | null; name: string; type: string; config: string; metadata: string; app_id: string;
  disabled: number; allowed_cidrs: string | null; rate_limit: number | null; response: string | null; dedupe: string | null;
  created_at: number; updated_at: number;
}

export const toSource = (row: SourceRow): InboundSource => ({
  id: row.id, uid: row.uid, name: row.name, type: row.type, config: JSON.parse(row.config) as SourceConfig,
  metadata: JSON.parse(row.metadata) as Record<string, string>, appId: row.app_id, disabled: row.disabled === 1,
  allowedCidrs: parseNullable(row.allowed_cidrs), rateLimit: row.rate_limit, response: parseNullable(row.response),
  dedupe: parseNullable(row.dedupe), createdAt: row.created_at, updatedAt: row.updated_at,
});

type Page_ = <R, T>(select: string, where: string[], args: unknown[], key: string, request: PageRequest,
  map: (row: R) => T, keyOf: (item: T) => string) => Page<T>;

/**
 * Inbound sources and their tokens (migration 0005), for SqliteStore to delegate to. A source is
 * created and deleted together with its backing application; `onApplicationsChanged` lets the
 * store drop its cached applications when that happens.
 */
export class SourceQueries {
  constructor(
    private readonly db: Database.Database,
    private readonly stmt: (sql: string) => Database.Statement,
    private readonly page: Page_,
    private readonly onApplicationsChanged: () => void,
  ) {}

  create(source: NewSource, token: NewSourceToken, now: number): InboundSource {
    const create = this.db.transaction(() => {
      this.stmt(`INSERT INTO applications (id, uid, name, throttle_rate, metadata, created_at, updated_at)
        VALUES (?, ?, ?, NULL, '{}', ?, ?)`).run(source.appId, `ingest-${source.id}`, `Ingest: ${source.name}`, now, now);
      this.stmt(`INSERT INTO inbound_sources (id, uid, name, type, config, metadata, app_id, disabled, allowed_cidrs,
        rate_limit, response, dedupe, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(source.id, source.uid, source.name, source.type, JSON.stringify(source.config), JSON.stringify(source.metadata),
          source.appId, Number(source.disabled), jsonOrNull(source.allowedCidrs), source.rateLimit, jsonOrNull(source.response),
          jsonOrNull(source.dedupe), now, now);
      this.stmt('INSERT INTO inbound_source_tokens (token_sha256, source_id, token, expires_at, created_at) VALUES (?, ?, ?, NULL, ?)')
        .run(token.sha256, source.id, token.token, now);
    });
    try {
      create.immediate();
    } catch (error) {
      throw sourceConflict(error, source.uid);
    }
    this.onApplicationsChanged();
    return this.get(source.id)!;
  }

  get(idOrUid: string): InboundSource | undefined {
    const row = this.stmt('SELECT * FROM inbound_sources WHERE id = ? OR uid = ? LIMIT 1').get(idOrUid, idOrUid) as SourceRow | undefined;
    return row && toSource(row);
  }

  list(request: PageRequest): Page<InboundSource> {
    return this.page('SELECT * FROM inbound_sources', [], [], 'id', request, toSource, (source) => source.id);
  }

  update(id: string, changes: SourceChanges, now: number): InboundSource {
    const update = this.db.transaction(() => {
      const row = this.stmt('SELECT * FROM inbound_sources WHERE id = ?').get(id) as SourceRow | undefined;
      if (!row) throw new NotFoundError('Source');
      const current = toSource(row);
      const next = { ...current, ...changes };
      this.stmt(`UPDATE inbound_sources SET uid = ?, name = ?, type = ?, config = ?, metadata = ?, disabled = ?,
        allowed_cidrs = ?, rate_limit = ?, response = ?, dedupe = ?, updated_at = ? WHERE id = ?`)
        .run(next.uid, next.name, next.type, JSON.stringify(next.config), JSON.stringify(next.metadata), Number(next.disabled),
          jsonOrNull(next.allowedCidrs), next.rateLimit, jsonOrNull(next.response), jsonOrNull(next.dedupe), now, id);
      if (next.name !== current.name) {
        this.stmt('UPDATE applications SET name = ?, updated_at = ? WHERE id = ?').run(`Ingest: ${next.name}`, now, current.appId);
      }
    });
    try {
      update.immediate();
    } catch (error) {
      throw sourceConflict(error, changes.uid ?? null);
    }
    this.onApplicationsChanged();
    return this.get(id)!;
  }

  /** The application's deletion cascades to the source, its tokens, requests and outcomes, and its endpoints and messages. */
  delete(id: string): boolean {
    const deleted = this.stmt('DELETE FROM applications WHERE id = (SELECT app_id FROM inbound_sources WHERE id = ?)').run(id).changes > 0;
    this.onApplicationsChanged();
    return deleted;
  }

  tokens(sourceId: string, now: number): SourceToken[] {
    const rows = this.stmt(`SELECT token, expires_at FROM inbound_source_tokens
      WHERE source_id = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY expires_at DESC NULLS FIRST`)
      .all(sourceId, now) as Array<{ token: string; expires_at: number | null }>;
    return rows.map((row) => ({ token: row.token, expiresAt: row.expires_at }));
  }

  rotateToken(sourceId: string, token: NewSourceToken, graceMs: number, now: number): void {
    const rotate = this.db.transaction(() => {
      if (!this.stmt('SELECT 1 FROM inbound_sources WHERE id = ?').get(sourceId)) throw new NotFoundError('Source');
      const until = now + graceMs;
      this.stmt('UPDATE inbound_source_tokens SET expires_at = min(coalesce(expires_at, ?), ?) WHERE source_id = ?').run(until, until, sourceId);
      this.stmt('DELETE FROM inbound_source_tokens WHERE source_id = ? AND expires_at <= ?').run(sourceId, now);
      this.stmt('INSERT INTO inbound_source_tokens (token_sha256, source_id, token, expires_at, created_at) VALUES (?, ?, ?, NULL, ?)')
        .run(token.sha256, sourceId, token.token, now);
    });
    try {
      rotate.immediate();
    } catch (error) {
      throw sourceConflict(error, null);
    }
  }

  byToken(tokenSha256: string, now: number): InboundSource | undefined {
    const row = this.stmt(`SELECT s.* FROM inbound_source_tokens t JOIN inbound_sources s ON s.id = t.source_id
      WHERE t.token_sha256 = ? AND (t.expires_at IS NULL OR t.expires_at > ?)`).get(tokenSha256, now) as SourceRow | undefined;
    return row && toSource(row);
  }

  /** Sources of the given ids, for a claim. */
  byIds(ids: string[]): Map<string, InboundSource> {
    const rows = this.stmt('SELECT * FROM inbound_sources WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as SourceRow[];
    return new Map(rows.map((row) => [row.id, toSource(row)]));
  }

  rewriteSecrets(rewrite: { config: (stored: SourceConfig) => SourceConfig; token: (stored: string) => string }): number {
    const run = this.db.transaction(() => {
      let changed = 0;
      const configs = this.stmt('SELECT id, config FROM inbound_sources').all() as Array<{ id: string; config: string }>;
      for (const row of configs) {
        const next = JSON.stringify(rewrite.config(JSON.parse(row.config) as SourceConfig));
        if (next !== row.config) changed += this.stmt('UPDATE inbound_sources SET config = ? WHERE id = ?').run(next, row.id).changes;
      }
      const tokens = this.stmt('SELECT token_sha256, token FROM inbound_source_tokens').all() as Array<{ token_sha256: string; token: string }>;
      for (const row of tokens) {
        const next = rewrite.token(row.token);
        if (next !== row.token) {
          changed += this.stmt('UPDATE inbound_source_tokens SET token = ? WHERE token_sha256 = ?').run(next, row.token_sha256).changes;
        }
      }
      return changed;
    });
    return run.immediate();
  }
}

function sourceConflict(error: unknown, uid: string | null): unknown {
  const code = error instanceof Error && 'code' in error ? (error as { code: unknown }).code : undefined;
  if (code !== 'SQLITE_CONSTRAINT_UNIQUE' && code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return error;
  const message = (error as Error).message;
  if (message.includes('inbound_source_tokens')) return new ConflictError('This source token is already in use.');
  if (message.includes('inbound_sources.id') || message.includes('applications')) return new ConflictError('A source with this id already exists.');
  return new ConflictError(`A source with uid "${uid}" already exists.`);
}
