import type pg from 'pg';
import { ConflictError, NotFoundError } from '@herald/core';
import type { InboundSource, NewSource, NewSourceToken, Page, PageRequest, SourceChanges, SourceConfig, SourceToken } from '@herald/storage';
import { Params, UNIQUE_VIOLATION, inTransaction, isPgError, prepared, queryPage, type Queryable } from '../sql.ts';
import { jsonOrNull } from '../rows.ts';

export interface SourceRow {
  id: string; uid: string | null; name: string; type: string; config: SourceConfig; metadata: Record<string, string>; app_id: string;
  disabled: boolean; allowed_cidrs: string[] | null; rate_limit: number | null; response: InboundSource['response'];
  dedupe: InboundSource['dedupe']; created_at: number; updated_at: number;
}

/** Named, not *, so that the prepared lookup below keeps its result type whatever a later migration adds. */
export const SOURCE_COLUMNS = `s.id, s.uid, s.name, s.type, s.config, s.metadata, s.app_id, s.disabled, s.allowed_cidrs, s.rate_limit,
  s.response, s.dedupe, s.created_at, s.updated_at`;

export const toSource = (row: SourceRow): InboundSource => ({
  id: row.id, uid: row.uid, name: row.name, type: row.type, config: row.config, metadata: row.metadata, appId: row.app_id,
  disabled: row.disabled, allowedCidrs: row.allowed_cidrs, rateLimit: row.rate_limit, response: row.response, dedupe: row.dedupe,
  createdAt: row.created_at, updatedAt: row.updated_at,
});

function sourceConflict(error: unknown, uid: string | null): unknown {
  if (!isPgError(error, UNIQUE_VIOLATION)) return error;
  const constraint = (error as { constraint?: string }).constraint ?? '';
  if (constraint.startsWith('inbound_source_tokens')) return new ConflictError('This source token is already in use.');
  if (constraint === 'inbound_sources_uid_key') return new ConflictError(`A source with uid "${uid}" already exists.`);
  return new ConflictError('A source with this id already exists.');
}

/** Creates the source with its backing application and first token, in one transaction. */
export async function createSource(pool: pg.Pool, source: NewSource, token: NewSourceToken, now: number): Promise<InboundSource> {
  try {
    return await inTransaction(pool, async (client) => {
      await client.query(`INSERT INTO applications (id, uid, name, throttle_rate, metadata, created_at, updated_at)
        VALUES ($1, $2, $3, NULL, '{}', $4, $4)`, [source.appId, `ingest-${source.id}`, `Ingest: ${source.name}`, now]);
      const { rows } = await client.query<SourceRow>(`INSERT INTO inbound_sources AS s (id, uid, name, type, config, metadata, app_id,
        disabled, allowed_cidrs, rate_limit, response, dedupe, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING ${SOURCE_COLUMNS}`,
      [source.id, source.uid, source.name, source.type, JSON.stringify(source.config), JSON.stringify(source.metadata), source.appId,
        source.disabled, jsonOrNull(source.allowedCidrs), source.rateLimit, jsonOrNull(source.response), jsonOrNull(source.dedupe), now]);
      await client.query(`INSERT INTO inbound_source_tokens (token_sha256, source_id, token, expires_at, created_at)
        VALUES ($1, $2, $3, NULL, $4)`, [token.sha256, source.id, token.token, now]);
      return toSource(rows[0]!);
    });
  } catch (error) {
    throw sourceConflict(error, source.uid);
  }
}

export async function getSource(db: Queryable, idOrUid: string): Promise<InboundSource | undefined> {
  const { rows } = await db.query<SourceRow>(`SELECT ${SOURCE_COLUMNS} FROM inbound_sources s WHERE s.id = $1 OR s.uid = $1 LIMIT 1`, [idOrUid]);
  return rows[0] && toSource(rows[0]);
}

export function listSources(db: Queryable, request: PageRequest): Promise<Page<InboundSource>> {
  return queryPage(db, `SELECT ${SOURCE_COLUMNS} FROM inbound_sources s`, [], new Params(), 's.id', request, toSource, (s) => s.id);
}

export async function sourcesByIds(db: Queryable, ids: string[]): Promise<Map<string, InboundSource>> {
  const { rows } = await db.query<SourceRow>(`SELECT ${SOURCE_COLUMNS} FROM inbound_sources s WHERE s.id = ANY($1::text[])`, [ids]);
  return new Map(rows.map((row) => [row.id, toSource(row)]));
}

/** The row is locked while read, so that two updates of one source cannot lose each other's changes. */
export async function updateSource(pool: pg.Pool, id: string, changes: SourceChanges, now: number): Promise<InboundSource> {
  try {
    return await inTransaction(pool, async (client) => {
      const { rows: [row] } = await client.query<SourceRow>(`SELECT ${SOURCE_COLUMNS} FROM inbound_sources s WHERE s.id = $1 FOR UPDATE`, [id]);
      if (!row) throw new NotFoundError('Source');
      const current = toSource(row);
      const next = { ...current, ...changes };
      const { rows } = await client.query<SourceRow>(`UPDATE inbound_sources s SET uid = $1, name = $2, type = $3, config = $4,
        metadata = $5, disabled = $6, allowed_cidrs = $7, rate_limit = $8, response = $9, dedupe = $10, updated_at = $11
        WHERE s.id = $12 RETURNING ${SOURCE_COLUMNS}`,
      [next.uid, next.name, next.type, JSON.stringify(next.config), JSON.stringify(next.metadata), next.disabled,
        jsonOrNull(next.allowedCidrs), next.rateLimit, jsonOrNull(next.response), jsonOrNull(next.dedupe), now, id]);
      if (next.name !== current.name) {
        await client.query('UPDATE applications SET name = $1, updated_at = $2 WHERE id = $3', [`Ingest: ${next.name}`, now, current.appId]);
      }
      return toSource(rows[0]!);
    });
  } catch (error) {
    throw sourceConflict(error, changes.uid ?? null);
  }
}

/** The application's deletion cascades to the source, its tokens, requests and outcomes, and its endpoints and messages. */
export async function deleteSource(db: Queryable, id: string): Promise<boolean> {
  const result = await db.query('DELETE FROM applications WHERE id = (SELECT app_id FROM inbound_sources WHERE id = $1)', [id]);
  return (result.rowCount ?? 0) > 0;
}

export async function getSourceTokens(db: Queryable, sourceId: string, now: number): Promise<SourceToken[]> {
  const { rows } = await db.query<{ token: string; expires_at: number | null }>(`SELECT token, expires_at FROM inbound_source_tokens
    WHERE source_id = $1 AND (expires_at IS NULL OR expires_at > $2) ORDER BY expires_at DESC NULLS FIRST`, [sourceId, now]);
  return rows.map((row) => ({ token: row.token, expiresAt: row.expires_at }));
}

export async function rotateSourceToken(pool: pg.Pool, sourceId: string, token: NewSourceToken, graceMs: number, now: number): Promise<void> {
  try {
    await inTransaction(pool, async (client) => {
      // Locking the source serialises two rotations of it: each sees the other's token as current.
      const { rowCount } = await client.query('SELECT 1 FROM inbound_sources WHERE id = $1 FOR UPDATE', [sourceId]);
      if (!rowCount) throw new NotFoundError('Source');
      await client.query(`UPDATE inbound_source_tokens SET expires_at = LEAST(COALESCE(expires_at, $2), $2) WHERE source_id = $1`,
        [sourceId, now + graceMs]);
      await client.query('DELETE FROM inbound_source_tokens WHERE source_id = $1 AND expires_at <= $2', [sourceId, now]);
      await client.query(`INSERT INTO inbound_source_tokens (token_sha256, source_id, token, expires_at, created_at)
        VALUES ($1, $2, $3, NULL, $4)`, [token.sha256, sourceId, token.token, now]);
    });
  } catch (error) {
    throw sourceConflict(error, null);
  }
}

/** Every inbound request starts here: prepared once per connection. */
const selectByToken = prepared('herald_source_by_token', `SELECT ${SOURCE_COLUMNS} FROM inbound_source_tokens t
  JOIN inbound_sources s ON s.id = t.source_id WHERE t.token_sha256 = $1 AND (t.expires_at IS NULL OR t.expires_at > $2)`);

export async function findSourceByToken(db: Queryable, tokenSha256: string, now: number): Promise<InboundSource | undefined> {
  const { rows } = await db.query<SourceRow>(selectByToken([tokenSha256, now]));
  return rows[0] && toSource(rows[0]);
}

/**
 * Rewrites every config and token, writing only those that changed. Every process runs this at
 * start and usually nothing changes, so a first pass reads without locking; only if something is
 * to change are the rows locked, read again and written in one transaction.
 */
export async function rewriteSourceSecrets(
  pool: pg.Pool,
  rewrite: { config: (stored: SourceConfig) => SourceConfig; token: (stored: string) => string },
): Promise<number> {
  const configsToChange = (rows: Array<{ id: string; config: SourceConfig }>) => rows.flatMap((row) => {
    const next = JSON.stringify(rewrite.config(row.config));
    return next === JSON.stringify(row.config) ? [] : [{ id: row.id, next }];
  });
  const tokensToChange = (rows: Array<{ token_sha256: string; token: string }>) => rows.flatMap((row) => {
    const next = rewrite.token(row.token);
    return next === row.token ? [] : [{ id: row.token_sha256, next }];
  });
  const configSql = 'SELECT id, config FROM inbound_sources ORDER BY id';
  const tokenSql = 'SELECT token_sha256, token FROM inbound_source_tokens ORDER BY token_sha256';
  const unlocked = configsToChange((await pool.query<{ id: string; config: SourceConfig }>(configSql)).rows).length
    + tokensToChange((await pool.query<{ token_sha256: string; token: string }>(tokenSql)).rows).length;
  if (unlocked === 0) return 0;
  return inTransaction(pool, async (client) => {
    const configs = configsToChange((await client.query<{ id: string; config: SourceConfig }>(`${configSql} FOR UPDATE`)).rows);
    const tokens = tokensToChange((await client.query<{ token_sha256: string; token: string }>(`${tokenSql} FOR UPDATE`)).rows);
    await client.query(`UPDATE inbound_sources s SET config = t.next::jsonb FROM unnest($1::text[], $2::text[]) AS t(id, next)
      WHERE s.id = t.id`, [configs.map((c) => c.id), configs.map((c) => c.next)]);
    await client.query(`UPDATE inbound_source_tokens s SET token = t.next FROM unnest($1::text[], $2::text[]) AS t(id, next)
      WHERE s.token_sha256 = t.id`, [tokens.map((c) => c.id), tokens.map((c) => c.next)]);
    return configs.length + tokens.length;
  });
}
