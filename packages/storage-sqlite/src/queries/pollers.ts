import type Database from 'better-sqlite3';
import { ConflictError, NotFoundError, type PollingEndpoint } from '@herald/core';
import type {
  LoggedMessage, NewPollingEndpoint, Page, PageRequest, PollPosition, PollerConsumer, PollingEndpointChanges,
} from '@herald/storage';
import { toMessage, type MessageRow } from '../rows.ts';

interface PollerRow {
  id: string; app_id: string; uid: string | null; filter_types: string | null; channels: string | null;
  description: string; token_sha256: string; created_at: number; updated_at: number;
}
interface ConsumerRow { poller_id: string; consumer_id: string; position_seq: number; updated_at: number }

const listOrNull = (text: string | null): string[] | null => (text === null ? null : JSON.parse(text) as string[]);
const jsonOrNull = (value: string[] | null): string | null => (value === null ? null : JSON.stringify(value));

const toPoller = (row: PollerRow): PollingEndpoint => ({
  id: row.id, appId: row.app_id, uid: row.uid, filterTypes: listOrNull(row.filter_types), channels: listOrNull(row.channels),
  description: row.description, tokenSha256: row.token_sha256, createdAt: row.created_at, updatedAt: row.updated_at,
});
const toConsumer = (row: ConsumerRow): PollerConsumer => ({
  pollerId: row.poller_id, consumerId: row.consumer_id, position: { tx: '0', seq: String(row.position_seq) }, updatedAt: row.updated_at,
});

type PageQuery = <R, T>(select: string, where: string[], args: unknown[], key: string, request: PageRequest,
  map: (row: R) => T, keyOf: (item: T) => string) => Page<T>;

/**
 * Polling endpoints and the message log (migration 0008), for SqliteStore to delegate to. The log's
 * position is its AUTOINCREMENT seq: with one writer, the order rows were inserted in is the order
 * they were committed in. `tx` is always "0".
 */
export class PollerQueries {
  constructor(
    private readonly db: Database.Database,
    private readonly stmt: (sql: string) => Database.Statement,
    private readonly page: PageQuery,
  ) {}

  create(input: NewPollingEndpoint, now: number): PollingEndpoint {
    try {
      this.stmt(`INSERT INTO polling_endpoints (id, app_id, uid, filter_types, channels, description, token_sha256, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(input.id, input.appId, input.uid, jsonOrNull(input.filterTypes),
        jsonOrNull(input.channels), input.description, input.tokenSha256, now, now);
    } catch (error) {
      throw pollerWriteError(error, input.uid);
    }
    return this.get(input.appId, input.id)!;
  }

  get(appId: string, idOrUid: string): PollingEndpoint | undefined {
    const row = this.stmt('SELECT * FROM polling_endpoints WHERE app_id = ? AND (id = ? OR uid = ?) ORDER BY id = ? DESC LIMIT 1')
      .get(appId, idOrUid, idOrUid, idOrUid) as PollerRow | undefined;
    return row && toPoller(row);
  }

  byTokenHash(tokenSha256: string): PollingEndpoint | undefined {
    const row = this.stmt('SELECT * FROM polling_endpoints WHERE token_sha256 = ?').get(tokenSha256) as PollerRow | undefined;
    return row && toPoller(row);
  }

  list(appId: string, request: PageRequest): Page<PollingEndpoint> {
    return this.page('SELECT * FROM polling_endpoints', ['app_id = ?'], [appId], 'id', request, toPoller, (p) => p.id);
  }

  update(appId: string, id: string, changes: PollingEndpointChanges, now: number): PollingEndpoint {
    const current = this.get(appId, id);
    if (!current || current.id !== id) throw new NotFoundError('Polling endpoint');
    const next = { ...current, ...changes };
    try {
      this.stmt('UPDATE polling_endpoints SET uid = ?, filter_types = ?, channels = ?, description = ?, updated_at = ? WHERE id = ?')
        .run(next.uid, jsonOrNull(next.filterTypes), jsonOrNull(next.channels), next.description, now, id);
    } catch (error) {
      throw pollerWriteError(error, next.uid);
    }
    return this.get(appId, id)!;
  }

  delete(appId: string, id: string): boolean {
    return this.stmt('DELETE FROM polling_endpoints WHERE app_id = ? AND id = ?').run(appId, id).changes > 0;
  }

  readLog(appId: string, after: PollPosition, limit: number): LoggedMessage[] {
    const rows = this.stmt(`SELECT l.seq AS log_seq, m.* FROM message_log l JOIN messages m ON m.id = l.msg_id
      WHERE l.app_id = ? AND l.seq > ? ORDER BY l.seq LIMIT ?`).all(appId, BigInt(after.seq), limit) as Array<MessageRow & { log_seq: number }>;
    return rows.map((row) => ({ position: { tx: '0', seq: String(row.log_seq) }, message: toMessage(row) }));
  }

  positionAt(appId: string, time: number): PollPosition {
    const first = this.stmt(`SELECT l.seq FROM message_log l JOIN messages m ON m.id = l.msg_id
      WHERE l.app_id = ? AND m.created_at >= ? ORDER BY l.seq LIMIT 1`).get(appId, time) as { seq: number } | undefined;
    if (first) return { tx: '0', seq: String(first.seq - 1) };
    const last = this.stmt('SELECT max(seq) AS seq FROM message_log WHERE app_id = ?').get(appId) as { seq: number | null };
    return { tx: '0', seq: String(last.seq ?? 0) };
  }

  consumer(pollerId: string, consumerId: string): PollerConsumer | undefined {
    const row = this.stmt('SELECT * FROM polling_consumers WHERE poller_id = ? AND consumer_id = ?').get(pollerId, consumerId) as ConsumerRow | undefined;
    return row && toConsumer(row);
  }

  saveConsumer(pollerId: string, consumerId: string, position: PollPosition, now: number): void {
    try {
      this.stmt(`INSERT INTO polling_consumers (poller_id, consumer_id, position_seq, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (poller_id, consumer_id) DO UPDATE SET position_seq = excluded.position_seq, updated_at = excluded.updated_at`)
        .run(pollerId, consumerId, BigInt(position.seq), now);
    } catch (error) {
      if (sqliteCode(error) === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new NotFoundError('Polling endpoint');
      throw error;
    }
  }

  consumers(pollerId: string): PollerConsumer[] {
    return (this.stmt('SELECT * FROM polling_consumers WHERE poller_id = ? ORDER BY consumer_id').all(pollerId) as ConsumerRow[]).map(toConsumer);
  }
}

function sqliteCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

function pollerWriteError(error: unknown, uid: string | null): unknown {
  const code = sqliteCode(error);
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return new NotFoundError('Application');
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new ConflictError(`A polling endpoint with uid "${uid}" already exists in this application.`);
  }
  return error;
}
