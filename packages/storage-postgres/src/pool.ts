import pg from 'pg';
import { asStoreError } from './sql.ts';

const INT8 = 20;

/**
 * bigint columns (epoch milliseconds, fences, ids) come back as JS numbers: every value Herald
 * stores is far below 2^53. pg's default would give strings.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export interface PoolOptions {
  connectionString: string;
  /** Every connection works in this schema (search_path); tests give each store its own. */
  schema?: string;
  max?: number;
  /** false: commits do not wait for the WAL flush (see PostgresStore's queue bookkeeping). */
  durable?: boolean;
}

/** The connection's startup options: its schema, and whether commits wait for the WAL flush. */
export function sessionOptions(options: { schema?: string; durable?: boolean }): { options?: string } {
  const settings = [
    ...(options.schema ? [`-c search_path=${quoteIdentifier(options.schema)}`] : []),
    ...(options.durable === false ? ['-c synchronous_commit=off'] : []),
  ];
  return settings.length > 0 ? { options: settings.join(' ') } : {};
}

export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    types,
    connectionTimeoutMillis: 5_000,
    ...sessionOptions(options),
  });
  // An idle connection that breaks (the server restarted) must not crash the process; the pool
  // drops it and the next query opens a new one.
  pool.on('error', () => undefined);
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  const connect = pool.connect.bind(pool) as (callback?: unknown) => Promise<pg.PoolClient>;
  pool.query = ((...args: unknown[]) => query(...args).catch((error: unknown) => {
    throw asStoreError(error);
  })) as typeof pool.query;
  // pool.query itself calls connect with a callback: that form is left alone.
  pool.connect = ((callback?: unknown) => (callback ? connect(callback) : connect().catch((error: unknown) => {
    throw asStoreError(error);
  }))) as typeof pool.connect;
  return pool;
}

export function quoteIdentifier(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}
