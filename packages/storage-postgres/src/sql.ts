import pg from 'pg';
import { ConflictError, InvalidDataError, UnavailableError } from '@herald/core';
import { pageCursor, toPage, type Page, type PageRequest } from '@herald/storage';

/** A pool or a client inside a transaction: everything the queries need. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string | pg.QueryConfig, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/**
 * A statement on the hot path, prepared once per connection and then executed by name: no parsing
 * or planning per message, claim or result batch. Only for statements whose result columns no
 * migration will change (no SELECT *): Postgres refuses to run a prepared statement whose result
 * type changed under it, which a rolling upgrade would otherwise cause in the older processes.
 */
export function prepared(name: string, text: string): (values: unknown[]) => pg.QueryConfig {
  return (values) => ({ name, text, values });
}

/** Collects positional parameters: `params.add(value)` returns its `$n`. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Runs `work` in a transaction on one pooled connection; rolls back on any throw. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw asStoreError(error);
  } finally {
    client.release();
  }
}

/** A page of `select`'s rows in key order, continuing after the request's iterator. */
export async function queryPage<R extends pg.QueryResultRow, T>(
  db: Queryable,
  select: string,
  where: string[],
  params: Params,
  key: string,
  request: PageRequest,
  map: (row: R) => T,
  keyOf: (item: T) => string,
): Promise<Page<T>> {
  const { after, descending } = pageCursor(request);
  const clauses = [...where];
  if (after !== null) clauses.push(`${key} ${descending ? '<' : '>'} ${params.add(after)}`);
  const sql = `${select} ${clauses.length > 0 ? 'WHERE ' + clauses.join(' AND ') : ''}
    ORDER BY ${key} ${descending ? 'DESC' : 'ASC'} LIMIT ${params.add(request.limit + 1)}`;
  const { rows } = await db.query<R>(sql, params.values);
  return toPage(rows.map(map), request, keyOf);
}

export function isPgError(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && (error as { code: unknown }).code === code;
}

export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';

export function uniqueViolation(error: unknown, message: string): unknown {
  return isPgError(error, UNIQUE_VIOLATION) ? new ConflictError(message) : error;
}

/**
 * A database that cannot be reached (refused, reset, shutting down, out of connections) is an
 * outage, not a bug: it becomes an UnavailableError, so the API answers 503 with Retry-After and
 * never claims to have accepted anything. SQL errors (with a SQLSTATE outside those classes) pass.
 */
export function asOutage(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof UnavailableError) return error;
  const code = (error as { code?: unknown }).code;
  const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  const outage = sqlState === undefined
    ? /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i
      .test(`${String(code)} ${error.message}`)
    : /^(08|57P0|53300)/.test(sqlState);
  return outage ? Object.assign(new UnavailableError(), { cause: error }) : error;
}

/** SQLSTATE class 22 ("data exception"): the value was at fault, not the statement or the server. */
export function isDataError(error: unknown): boolean {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
}

/**
 * What every query failure becomes before it leaves the adapter: an outage is an UnavailableError
 * (503, retry later), a data exception an InvalidDataError (400: retrying cannot help, so a
 * client that retries 5xx must not see one), anything else passes unchanged and is a logged 500.
 */
export function asStoreError(error: unknown): unknown {
  if (error instanceof InvalidDataError) return error;
  if (isDataError(error)) return Object.assign(new InvalidDataError(), { cause: error });
  return asOutage(error);
}

/** The first key of every fan-out lock: a namespace, so that no other advisory lock collides with them. */
const FAN_OUT_LOCK = 0x68657261; // "hera"

/**
 * Takes, until the transaction ends, the fan-out lock of each application: shared by message
 * commits (which read the endpoints), exclusive for endpoint creation. Keys are taken in sorted
 * order; a hash collision between two applications only makes one wait for the other.
 */
export async function lockFanOut(client: Queryable, appIds: string[], mode: 'shared' | 'exclusive'): Promise<void> {
  const lock = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
  await client.query(`SELECT ${lock}(${FAN_OUT_LOCK}, hashtext(app_id)) FROM unnest($1::text[]) AS t(app_id) ORDER BY app_id`, [[...appIds].sort()]);
}
