import { MessageStatus, NotFoundError, type Endpoint, type EndpointSecret } from '@herald/core';
import type { EndpointChanges, EndpointStats, NewEndpoint, Page, PageRequest } from '@herald/storage';
import { Params, inTransaction, lockFanOut, queryPage, uniqueViolation, type Queryable } from '../sql.ts';
import { activeSecrets, jsonOrNull, toEndpoint, type EndpointRow } from '../rows.ts';
import type pg from 'pg';

const duplicateUid = (uid: string | null) => `An endpoint with uid "${uid}" already exists in this application.`;

/** Under its application's fan-out lock, taken exclusively: see fanOut in messages.ts. */
export async function createEndpoint(pool: pg.Pool, input: NewEndpoint, now: number): Promise<Endpoint> {
  try {
    return await inTransaction(pool, async (db) => {
      await lockFanOut(db, [input.appId], 'exclusive');
      const { rows } = await db.query<EndpointRow>(`INSERT INTO endpoints (id, app_id, uid, url, description, disabled, event_types,
        channels, headers, throttle_rate, metadata, version, secrets, created_at, updated_at, verification, filter, forward_headers)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16, $17) RETURNING *`,
      [input.id, input.appId, input.uid, input.url, input.description, input.disabled, jsonOrNull(input.eventTypes),
        jsonOrNull(input.channels), JSON.stringify(input.headers), input.throttleRate, JSON.stringify(input.metadata),
        input.version, JSON.stringify([{ key: input.secret, expiresAt: null }]), now, jsonOrNull(input.verification),
        jsonOrNull(input.filter), jsonOrNull(input.forwardHeaders)]);
      return toEndpoint(rows[0]!);
    });
  } catch (error) {
    throw uniqueViolation(error, duplicateUid(input.uid));
  }
}

export async function getEndpoint(db: Queryable, appId: string, idOrUid: string): Promise<Endpoint | undefined> {
  const { rows } = await db.query<EndpointRow>('SELECT * FROM endpoints WHERE app_id = $1 AND (id = $2 OR uid = $2) LIMIT 1', [appId, idOrUid]);
  return rows[0] && toEndpoint(rows[0]);
}

export function listEndpoints(db: Queryable, appId: string, request: PageRequest): Promise<Page<Endpoint>> {
  const params = new Params();
  return queryPage(db, 'SELECT * FROM endpoints', [`app_id = ${params.add(appId)}`], params, 'id', request, toEndpoint, (ep) => ep.id);
}

export async function allEndpoints(db: Queryable, appId: string): Promise<Endpoint[]> {
  const { rows } = await db.query<EndpointRow>('SELECT * FROM endpoints WHERE app_id = $1', [appId]);
  return rows.map(toEndpoint);
}

/** Every endpoint of each of these applications, by application id. */
export async function endpointsOfApps(db: Queryable, appIds: string[]): Promise<Map<string, EndpointRow[]>> {
  const { rows } = await db.query<EndpointRow>('SELECT * FROM endpoints WHERE app_id = ANY($1::text[])', [appIds]);
  const found = new Map<string, EndpointRow[]>();
  for (const row of rows) {
    const ofApp = found.get(row.app_id);
    if (ofApp) ofApp.push(row);
    else found.set(row.app_id, [row]);
  }
  return found;
}

export async function updateEndpoint(db: Queryable, appId: string, id: string, changes: EndpointChanges, now: number): Promise<Endpoint> {
  const current = await getEndpoint(db, appId, id);
  if (!current) throw new NotFoundError('Endpoint');
  const next = { ...current, ...changes };
  // Re-enabling an endpoint starts its failure window afresh.
  const failingSince = current.disabled && !next.disabled ? null : current.failingSince;
  try {
    const { rows } = await db.query<EndpointRow>(`UPDATE endpoints SET uid = $1, url = $2, description = $3, disabled = $4,
      event_types = $5, channels = $6, headers = $7, throttle_rate = $8, metadata = $9, version = $10, failing_since = $11,
      updated_at = $12, verification = $13, filter = $15, forward_headers = $16 WHERE id = $14 RETURNING *`,
    [next.uid, next.url, next.description, next.disabled, jsonOrNull(next.eventTypes), jsonOrNull(next.channels),
      JSON.stringify(next.headers), next.throttleRate, JSON.stringify(next.metadata), next.version, failingSince, now,
      jsonOrNull(next.verification), current.id, jsonOrNull(next.filter), jsonOrNull(next.forwardHeaders)]);
    if (!rows[0]) throw new NotFoundError('Endpoint');
    return toEndpoint(rows[0]);
  } catch (error) {
    throw uniqueViolation(error, duplicateUid(next.uid));
  }
}

export async function deleteEndpoint(db: Queryable, appId: string, id: string): Promise<boolean> {
  return ((await db.query('DELETE FROM endpoints WHERE app_id = $1 AND id = $2', [appId, id])).rowCount ?? 0) > 0;
}

export async function getEndpointSecrets(db: Queryable, endpointId: string, now: number): Promise<EndpointSecret[]> {
  const { rows } = await db.query<{ secrets: EndpointSecret[] }>('SELECT secrets FROM endpoints WHERE id = $1', [endpointId]);
  return rows[0] ? activeSecrets(rows[0].secrets, now) : [];
}

export function rotateEndpointSecret(pool: pg.Pool, endpointId: string, newKey: string, graceMs: number, now: number): Promise<void> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ secrets: EndpointSecret[] }>('SELECT secrets FROM endpoints WHERE id = $1 FOR UPDATE', [endpointId]);
    if (!rows[0]) throw new NotFoundError('Endpoint');
    const retired = activeSecrets(rows[0].secrets, now).map((secret) => ({
      key: secret.key,
      expiresAt: Math.min(secret.expiresAt ?? Infinity, now + graceMs),
    }));
    const secrets = [{ key: newKey, expiresAt: null }, ...retired.filter((secret) => secret.expiresAt > now)];
    await client.query('UPDATE endpoints SET secrets = $1, updated_at = $2 WHERE id = $3', [JSON.stringify(secrets), now, endpointId]);
  });
}

type StoredSecrets = { id: string; secrets: EndpointSecret[] };

/** The endpoints whose keys `rewrite` changes, with their rewritten secrets as JSON. */
function rewritten(rows: StoredSecrets[], rewrite: (stored: string) => string): Array<{ id: string; secrets: string }> {
  return rows.flatMap((row) => {
    const secrets = row.secrets.map((secret) => ({ ...secret, key: rewrite(secret.key) }));
    return secrets.some((secret, index) => secret.key !== row.secrets[index]!.key) ? [{ id: row.id, secrets: JSON.stringify(secrets) }] : [];
  });
}

/**
 * Rewrites every stored key (current and retired), writing only the endpoints whose keys changed.
 * Every process runs this at start, and usually nothing changes, so a first pass reads without
 * locking; only the rows to change are then locked, read again and written in one transaction,
 * so that a rotation in between is not lost.
 */
export async function rewriteEndpointSecrets(pool: pg.Pool, rewrite: (stored: string) => string): Promise<number> {
  const { rows } = await pool.query<StoredSecrets>('SELECT id, secrets FROM endpoints');
  const candidates = rewritten(rows, rewrite).map((row) => row.id);
  if (candidates.length === 0) return 0;
  return inTransaction(pool, async (client) => {
    const { rows: locked } = await client.query<StoredSecrets>('SELECT id, secrets FROM endpoints WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE',
      [candidates]);
    const changed = rewritten(locked, rewrite);
    await client.query(`UPDATE endpoints e SET secrets = t.secrets::jsonb FROM unnest($1::text[], $2::text[]) AS t(id, secrets)
      WHERE e.id = t.id`, [changed.map((row) => row.id), changed.map((row) => row.secrets)]);
    return changed.length;
  });
}

export async function endpointStats(db: Queryable, appId: string, endpointId: string, since: number | null, until: number | null): Promise<EndpointStats> {
  const { rows } = await db.query<{ status: MessageStatus; n: number }>(`SELECT status, count(*)::int AS n FROM deliveries
    WHERE app_id = $1 AND endpoint_id = $2 AND created_at >= $3 AND created_at < $4 GROUP BY status`,
  [appId, endpointId, since ?? 0, until ?? Number.MAX_SAFE_INTEGER]);
  const count = (status: MessageStatus) => rows.find((row) => row.status === status)?.n ?? 0;
  return {
    success: count(MessageStatus.Success),
    fail: count(MessageStatus.Fail),
    pending: count(MessageStatus.Pending),
    sending: count(MessageStatus.Sending),
  };
}
