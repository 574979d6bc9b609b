import type Database from 'better-sqlite3';
import { ConflictError, NotFoundError, type HeraldError } from '@herald/core';
import type {
  ClaimedInboundRequest, InboundRequest, InboundRequestFilter, InboundRoutingDone, InboundSource, InboundVerdict,
  NewInboundRequest, Page, PageRequest, RecordedInboundRequest, RouteOutcome,
} from '@herald/storage';

interface RequestRow {
  id: string; source_id: string; received_at: number; method: string; path: string; query: string; headers: string;
  body: Buffer | null; source_ip: string; verdict: InboundVerdict; reject_reason: string | null; dedupe_key: string | null;
  duplicate_of: string | null; duplicates: number; event_type: string; routing_round: number; routed_round: number;
  fence: number; leased_until: number;
}

interface OutcomeRow {
  request_id: string; round: number; endpoint_id: string; outcome: RouteOutcome['outcome']; reason: string | null;
  msg_id: string | null; created_at: number;
}

const toRequest = (row: RequestRow): InboundRequest => ({
  id: row.id, sourceId: row.source_id, receivedAt: row.received_at, method: row.method, path: row.path, query: row.query,
  headers: JSON.parse(row.headers) as Record<string, string>, body: row.body, sourceIp: row.source_ip, verdict: row.verdict,
  rejectReason: row.reject_reason, dedupeKey: row.dedupe_key, duplicateOf: row.duplicate_of, duplicates: row.duplicates,
  eventType: row.event_type, routingRound: row.routing_round, routedRound: row.routed_round,
});

const toOutcome = (row: OutcomeRow): RouteOutcome => ({
  requestId: row.request_id, round: row.round, endpointId: row.endpoint_id, outcome: row.outcome, reason: row.reason,
  msgId: row.msg_id, createdAt: row.created_at,
});

type Page_ = <R, T>(select: string, where: string[], args: unknown[], key: string, request: PageRequest,
  map: (row: R) => T, keyOf: (item: T) => string) => Page<T>;

/** Columns of a request that the filters of a listing or a bulk replay test. */
function filterConditions(filter: InboundRequestFilter): { where: string[]; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (filter.verdict !== undefined) {
    where.push('verdict = ?');
    args.push(filter.verdict);
  }
  if (filter.before !== undefined) {
    where.push('received_at < ?');
    args.push(filter.before);
  }
  if (filter.after !== undefined) {
    where.push('received_at > ?');
    args.push(filter.after);
  }
  return { where, args };
}

/** Inbound requests and their routing (migration 0005), for SqliteStore to delegate to. */
export class InboundRequestQueries {
  constructor(
    private readonly db: Database.Database,
    private readonly stmt: (sql: string) => Database.Statement,
    private readonly page: Page_,
    /** Runs bookkeeping that a power loss may undo without harm (see SqliteStore.withoutFsync). */
    private readonly withoutFsync: <T>(work: () => T) => T,
    private readonly sourcesByIds: (ids: string[]) => Map<string, InboundSource>,
  ) {}

  /**
   * The whole batch commits with one fsync: the 2xx each request waits for. As with messages, the
   * batch is first tried without savepoints; only if a member fails is it redone with one savepoint
   * per member, so that only the guilty request fails.
   */
  record(batch: NewInboundRequest[]): Array<RecordedInboundRequest | HeraldError> {
    if (batch.length === 0) return [];
    const findOriginal = this.stmt(`SELECT id FROM inbound_requests
      WHERE source_id = ? AND dedupe_key = ? AND verdict = 'accepted'`);
    const insert = this.stmt(`INSERT INTO inbound_requests (id, source_id, received_at, method, path, query, headers, body,
      source_ip, verdict, reject_reason, dedupe_key, duplicate_of, event_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const countRepeat = this.stmt('UPDATE inbound_requests SET duplicates = duplicates + 1 WHERE id = ?');
    const insertOne = (request: NewInboundRequest): RecordedInboundRequest => {
      let verdict = request.verdict;
      let duplicateOf: string | null = null;
      if (verdict === 'accepted' && request.dedupeKey !== null) {
        const original = findOriginal.get(request.sourceId, request.dedupeKey) as { id: string } | undefined;
        if (original) {
          verdict = 'duplicate';
          duplicateOf = original.id;
        }
      }
      insert.run(request.id, request.sourceId, request.receivedAt, request.method, request.path, request.query,
        JSON.stringify(request.headers), request.body, request.sourceIp, verdict, request.rejectReason, request.dedupeKey,
        duplicateOf, request.eventType);
      if (duplicateOf !== null) countRepeat.run(duplicateOf);
      return { id: request.id, verdict, duplicateOf };
    };
    try {
      return this.db.transaction(() => batch.map(insertOne)).immediate();
    } catch {
      // fall through to the careful path
    }
    const one = this.db.transaction(insertOne);
    return this.db.transaction(() => batch.map((request): RecordedInboundRequest | HeraldError => {
      try {
        return one(request);
      } catch (error) {
        return insertError(error, request);
      }
    })).immediate();
  }

  get(sourceId: string, requestId: string): InboundRequest | undefined {
    const row = this.stmt('SELECT * FROM inbound_requests WHERE id = ? AND source_id = ?').get(requestId, sourceId) as RequestRow | undefined;
    return row && toRequest(row);
  }

  list(sourceId: string, filter: PageRequest & InboundRequestFilter): Page<InboundRequest> {
    const { where, args } = filterConditions(filter);
    return this.page('SELECT * FROM inbound_requests', ['source_id = ?', ...where], [sourceId, ...args], 'id',
      { ...filter, order: filter.order ?? 'descending' }, toRequest, (request) => request.id);
  }

  claim(limit: number, leaseMs: number, now: number): ClaimedInboundRequest[] {
    const claim = this.db.transaction(() => {
      const rows = this.stmt(`UPDATE inbound_requests SET fence = fence + 1, leased_until = ?
        WHERE id IN (SELECT id FROM inbound_requests
          WHERE verdict = 'accepted' AND routing_round > routed_round AND leased_until <= ?
          ORDER BY received_at, id LIMIT ?)
        RETURNING *`).all(now + leaseMs, now, limit) as RequestRow[];
      if (rows.length === 0) return [];
      // RETURNING gives no order: oldest first is restored here.
      rows.sort((a, b) => a.received_at - b.received_at || (a.id < b.id ? -1 : 1));
      const sources = this.sourcesByIds([...new Set(rows.map((row) => row.source_id))]);
      return rows.map((row): ClaimedInboundRequest => ({
        request: toRequest(row), source: sources.get(row.source_id)!, fence: row.fence, round: row.routing_round,
      }));
    });
    return this.withoutFsync(() => claim.immediate());
  }

  /**
   * Completing bumps the fence too, so that a second completion with the same fence (a router
   * retrying) is refused like a stale one. A crash before this commit only routes the round again,
   * and the router's message then carries the same eventId: losing the completion to a power loss
   * is as harmless, so it does not wait for fsync. A router's whole batch goes in one transaction,
   * each member fenced on its own.
   */
  complete(batch: InboundRoutingDone[]): boolean[] {
    if (batch.length === 0) return [];
    const update = this.stmt(`UPDATE inbound_requests SET routed_round = max(routed_round, ?), fence = fence + 1, leased_until = 0
      WHERE id = ? AND fence = ?`);
    const insert = this.stmt(`INSERT INTO inbound_route_outcomes (request_id, round, endpoint_id, outcome, reason, msg_id, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id, round, endpoint_id) DO UPDATE SET outcome = excluded.outcome,
      reason = excluded.reason, msg_id = excluded.msg_id, created_at = excluded.created_at`);
    const complete = this.db.transaction(() => batch.map((done) => {
      const applied = update.run(done.round, done.requestId, done.fence).changes === 1;
      if (!applied) return false;
      for (const o of done.outcomes) insert.run(done.requestId, o.round, o.endpointId, o.outcome, o.reason, o.msgId, o.createdAt);
      return true;
    }));
    return this.withoutFsync(() => complete.immediate());
  }

  expireLeases(): number {
    return this.stmt('UPDATE inbound_requests SET fence = fence + 1, leased_until = 0 WHERE leased_until > 0').run().changes;
  }

  outcomes(requestId: string): RouteOutcome[] {
    return (this.stmt('SELECT * FROM inbound_route_outcomes WHERE request_id = ? ORDER BY round DESC, endpoint_id')
      .all(requestId) as OutcomeRow[]).map(toOutcome);
  }

  requeue(sourceId: string, which: { ids: string[] } | InboundRequestFilter): number {
    const { where, args } = 'ids' in which
      ? { where: ['id IN (SELECT value FROM json_each(?))'], args: [JSON.stringify(which.ids)] }
      : filterConditions(which);
    return this.stmt(`UPDATE inbound_requests SET routing_round = routing_round + 1
      WHERE source_id = ? AND verdict = 'accepted' ${where.map((clause) => 'AND ' + clause).join(' ')}`)
      .run(sourceId, ...args).changes;
  }

  acceptRejected(sourceId: string, requestId: string, dedupeKey: string | null): InboundVerdict {
    const accept = this.db.transaction((): InboundVerdict => {
      const row = this.stmt('SELECT verdict FROM inbound_requests WHERE id = ? AND source_id = ?').get(requestId, sourceId) as
        | { verdict: InboundVerdict }
        | undefined;
      if (!row) throw new NotFoundError('Inbound request');
      if (row.verdict !== 'rejected') return row.verdict;
      const original = dedupeKey === null ? undefined : this.stmt(`SELECT id FROM inbound_requests
        WHERE source_id = ? AND dedupe_key = ? AND verdict = 'accepted'`).get(sourceId, dedupeKey) as { id: string } | undefined;
      const verdict: InboundVerdict = original ? 'duplicate' : 'accepted';
      this.stmt(`UPDATE inbound_requests SET verdict = ?, reject_reason = NULL, dedupe_key = ?, duplicate_of = ? WHERE id = ?`)
        .run(verdict, dedupeKey, original?.id ?? null, requestId);
      if (original) this.stmt('UPDATE inbound_requests SET duplicates = duplicates + 1 WHERE id = ?').run(original.id);
      return verdict;
    });
    return accept.immediate();
  }

  purgeRejectedBodies(olderThan: number): number {
    return this.stmt(`UPDATE inbound_requests SET body = NULL
      WHERE verdict = 'rejected' AND body IS NOT NULL AND received_at < ?`).run(olderThan).changes;
  }
}

function insertError(error: unknown, request: NewInboundRequest): HeraldError {
  const code = error instanceof Error && 'code' in error ? (error as { code: unknown }).code : undefined;
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return new ConflictError(`An inbound request with id "${request.id}" already exists.`);
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return new NotFoundError('Source');
  throw error;
}
