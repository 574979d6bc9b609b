import Database from 'better-sqlite3';
import {
  type ApiToken,
  type AuditEntry,
  ConflictError,
  NotFoundError,
  type Application,
  type Attempt,
  type Endpoint,
  type EndpointSecret,
  type EventType,
  type HeraldError,
  type InspectorBin,
  type InspectorCapture,
  type Message,
  type NewInspectorCapture,
  MessageStatus,
  chooseEndpoints,
  TriggerType,
} from '@herald/core';
import {
  pageCursor,
  toPage,
  type ApplicationChanges,
  type AttemptFilter,
  type ClaimedDelivery,
  type DeliveryRelease,
  type DeliveryResult,
  type EndpointChanges,
  type EndpointMessage,
  type EndpointStats,
  type AttemptTimelineBucket,
  type EventTypeChanges,
  type IdempotencyRecord,
  type IngestClaim,
  type ClaimingResult,
  type MessageDestination,
  type MessageFilter,
  type NewApplication,
  type NewEndpoint,
  type NewEventType,
  type NewMessage,
  type Page,
  type PageRequest,
  type QueueStats,
  type Store,
  type StoreCapabilities,
  type ClaimedInboundRequest,
  type InboundRequest,
  type InboundRequestFilter,
  type InboundRoutingDone,
  type InboundSource,
  type InboundVerdict,
  type NewInboundRequest,
  type NewSource,
  type NewSourceToken,
  type RecordedInboundRequest,
  type RouteOutcome,
  type SourceChanges,
  type SourceConfig,
  type SourceToken,
  type EndpointTransformation,
  type LoggedMessage,
  type NewPollingEndpoint,
  type PollPosition,
  type PollerConsumer,
  type PollingEndpointChanges,
} from '@herald/storage';
import type { PollingEndpoint } from '@herald/core';
import { PollerQueries } from './queries/pollers.ts';
import { InspectorQueries } from './inspector-queries.ts';
import { migrate } from './migrate.ts';
import { TenancyTables } from './tenancy-tables.ts';
import { SourceQueries } from './queries/sources.ts';
import { InboundRequestQueries } from './queries/inbound-requests.ts';
import { TransformationQueries } from './queries/transformations.ts';
import {
  activeSecrets,
  jsonOrNull,
  toApplication,
  toAttempt,
  toEndpoint,
  toEventType,
  toMessage,
  type ApplicationRow,
  type AttemptRow,
  type EndpointRow,
  type EventTypeRow,
  type MessageRow,
} from './rows.ts';

export interface SqliteStoreOptions {
  /** A file path, or ':memory:'. */
  path: string;
  /** FULL survives power loss; NORMAL survives a process crash only. */
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * Told when this connection changed endpoints as a side effect of recording results (health,
   * disabling), so that another connection to the same file can drop its cached endpoints.
   */
  onEndpointsChanged?: () => void;
}

/**
 * The embedded store. better-sqlite3 is synchronous, so every method does its work before it
 * returns; the Promise return types exist only to share the Store interface with networked adapters.
 */
export class SqliteStore implements Store {
  readonly capabilities: StoreCapabilities = { concurrentWorkers: false };
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly synchronous: 'FULL' | 'NORMAL';
  private readonly onEndpointsChanged: (() => void) | undefined;
  /**
   * Every accepted message looks up its application and that application's endpoints. This store
   * is the only writer of its file (one Herald process per data directory), so it can keep both in
   * memory and drop them on any write that touches them.
   */
  private readonly applicationCache = new Map<string, Application>();
  private readonly endpointCache = new Map<string, Endpoint[]>();
  private readonly inspector: InspectorQueries;
  private readonly tenancy: TenancyTables;
  private readonly sources: SourceQueries;
  private readonly inboundRequests: InboundRequestQueries;
  private readonly transformations: TransformationQueries;
  private readonly pollers: PollerQueries;

  constructor(options: SqliteStoreOptions) {
    this.db = new Database(options.path);
    this.synchronous = options.synchronous ?? 'FULL';
    this.onEndpointsChanged = options.onEndpointsChanged;
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${this.synchronous}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.inspector = new InspectorQueries(this.db, (sql) => this.stmt(sql));
    this.tenancy = new TenancyTables(this.db);
    const page = this.page.bind(this) as SqliteStore['page'];
    this.sources = new SourceQueries(this.db, (sql) => this.stmt(sql), page, () => this.forgetApplications());
    this.inboundRequests = new InboundRequestQueries(this.db, (sql) => this.stmt(sql), page,
      (work) => this.withoutFsync(work), (ids) => this.sources.byIds(ids));
    this.transformations = new TransformationQueries(this.db, (sql) => this.stmt(sql));
    this.pollers = new PollerQueries(this.db, (sql) => this.stmt(sql), page);
  }

  /**
   * Runs queue bookkeeping (claims, results, releases) without waiting for fsync. In WAL mode a
   * commit is still atomic and survives a process crash; only a power loss can undo it, and undoing
   * a claim or a result means the delivery is sent again: at-least-once, as promised. The next
   * durable commit (any accepted message) syncs these frames too, since the WAL is append-only.
   */
  private withoutFsync<T>(work: () => T): T {
    if (this.synchronous === 'NORMAL') return work();
    // Prepared once: pragma() would compile the statement again on every transaction.
    this.stmt('PRAGMA synchronous = NORMAL').run();
    try {
      return work();
    } finally {
      this.stmt('PRAGMA synchronous = FULL').run();
    }
  }

  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private page<R, T>(
    select: string,
    where: string[],
    args: unknown[],
    key: string,
    request: PageRequest,
    map: (row: R) => T,
    keyOf: (item: T) => string,
  ): Page<T> {
    const { after, descending } = pageCursor(request);
    const clauses = [...where];
    const params = [...args];
    if (after !== null) {
      clauses.push(`${key} ${descending ? '<' : '>'} ?`);
      params.push(after);
    }
    const sql = `${select} ${clauses.length > 0 ? 'WHERE ' + clauses.join(' AND ') : ''}
      ORDER BY ${key} ${descending ? 'DESC' : 'ASC'} LIMIT ?`;
    params.push(request.limit + 1);
    const rows = this.stmt(sql).all(...params) as R[];
    return toPage(rows.map(map), request, keyOf);
  }

  async migrate(): Promise<void> {
    migrate(this.db);
  }

  async close(): Promise<void> {
    this.db.close();
  }

  async getSetting(name: string): Promise<string | undefined> {
    const row = this.stmt('SELECT value FROM settings WHERE name = ?').get(name) as { value: string } | undefined;
    return row?.value;
  }

  async initSetting(name: string, value: string): Promise<string> {
    this.stmt('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(name, value);
    return (await this.getSetting(name))!;
  }

  // Applications

  async createApplication(input: NewApplication, now: number): Promise<Application> {
    try {
      this.stmt(`INSERT INTO applications (id, uid, name, throttle_rate, metadata, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`).run(input.id, input.uid, input.name, input.throttleRate,
        JSON.stringify(input.metadata), now, now);
    } catch (error) {
      throw uniqueViolation(error, `An application with uid "${input.uid}" already exists.`);
    }
    this.forgetApplications();
    return (await this.getApplication(input.id))!;
  }

  async getApplication(idOrUid: string): Promise<Application | undefined> {
    const cached = this.applicationCache.get(idOrUid);
    if (cached) return cached;
    const row = this.stmt('SELECT * FROM applications WHERE id = ? OR uid = ? LIMIT 1').get(idOrUid, idOrUid);
    if (!row) return undefined;
    const app = toApplication(row as ApplicationRow);
    if (this.applicationCache.size > 10_000) this.applicationCache.clear();
    this.applicationCache.set(idOrUid, app);
    return app;
  }

  async listApplications(request: PageRequest): Promise<Page<Application>> {
    return this.page('SELECT * FROM applications', [], [], 'id', request, toApplication, (app) => app.id);
  }

  async updateApplication(id: string, changes: ApplicationChanges, now: number): Promise<Application> {
    const current = await this.getApplication(id);
    if (!current) throw new NotFoundError('Application');
    const next = { ...current, ...changes };
    try {
      this.stmt(`UPDATE applications SET uid = ?, name = ?, throttle_rate = ?, metadata = ?, updated_at = ?
        WHERE id = ?`).run(next.uid, next.name, next.throttleRate, JSON.stringify(next.metadata), now, current.id);
    } catch (error) {
      throw uniqueViolation(error, `An application with uid "${next.uid}" already exists.`);
    }
    this.forgetApplications();
    return (await this.getApplication(current.id))!;
  }

  async deleteApplication(id: string): Promise<boolean> {
    this.forgetApplications();
    return this.stmt('DELETE FROM applications WHERE id = ?').run(id).changes > 0;
  }

  // Event types

  async createEventType(input: NewEventType, now: number): Promise<EventType> {
    try {
      this.stmt(`INSERT INTO event_types (name, description, archived, deprecated, feature_flag, schemas,
        created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(input.name, input.description,
        Number(input.archived), Number(input.deprecated), input.featureFlag, jsonOrNull(input.schemas), now, now);
    } catch (error) {
      throw uniqueViolation(error, `An event type named "${input.name}" already exists.`);
    }
    return (await this.getEventType(input.name))!;
  }

  async getEventType(name: string): Promise<EventType | undefined> {
    const row = this.stmt('SELECT * FROM event_types WHERE name = ?').get(name);
    return row ? toEventType(row as EventTypeRow) : undefined;
  }

  async listEventTypes(request: PageRequest & { includeArchived: boolean }): Promise<Page<EventType>> {
    const where = request.includeArchived ? [] : ['archived = 0'];
    return this.page('SELECT * FROM event_types', where, [], 'name', request, toEventType, (type) => type.name);
  }

  async updateEventType(name: string, changes: EventTypeChanges, now: number): Promise<EventType> {
    const current = await this.getEventType(name);
    if (!current) throw new NotFoundError('Event type');
    const next = { ...current, ...changes };
    this.stmt(`UPDATE event_types SET description = ?, archived = ?, deprecated = ?, feature_flag = ?, schemas = ?,
      updated_at = ? WHERE name = ?`).run(next.description, Number(next.archived), Number(next.deprecated),
      next.featureFlag, jsonOrNull(next.schemas), now, name);
    return (await this.getEventType(name))!;
  }

  async deleteEventType(name: string, expunge: boolean, now: number): Promise<boolean> {
    const result = expunge
      ? this.stmt('DELETE FROM event_types WHERE name = ?').run(name)
      : this.stmt('UPDATE event_types SET archived = 1, updated_at = ? WHERE name = ?').run(now, name);
    return result.changes > 0;
  }

  async existingEventTypes(names: string[]): Promise<string[]> {
    const rows = this.stmt(`SELECT name FROM event_types WHERE archived = 0
      AND name IN (SELECT value FROM json_each(?))`).all(JSON.stringify(names)) as { name: string }[];
    return rows.map((row) => row.name);
  }

  // Endpoints

  async createEndpoint(input: NewEndpoint, now: number): Promise<Endpoint> {
    try {
      this.stmt(`INSERT INTO endpoints (id, app_id, uid, url, description, disabled, event_types, channels, headers,
        throttle_rate, metadata, version, secrets, created_at, updated_at, verification, filter, forward_headers)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(input.id, input.appId, input.uid, input.url,
        input.description, Number(input.disabled), jsonOrNull(input.eventTypes), jsonOrNull(input.channels),
        JSON.stringify(input.headers), input.throttleRate, JSON.stringify(input.metadata), input.version,
        JSON.stringify([{ key: input.secret, expiresAt: null }]), now, now, jsonOrNull(input.verification),
        jsonOrNull(input.filter), jsonOrNull(input.forwardHeaders));
    } catch (error) {
      throw uniqueViolation(error, `An endpoint with uid "${input.uid}" already exists in this application.`);
    }
    this.forgetEndpoints();
    return (await this.getEndpoint(input.appId, input.id))!;
  }

  async getEndpoint(appId: string, idOrUid: string): Promise<Endpoint | undefined> {
    const row = this.stmt('SELECT * FROM endpoints WHERE app_id = ? AND (id = ? OR uid = ?) LIMIT 1')
      .get(appId, idOrUid, idOrUid);
    return row ? toEndpoint(row as EndpointRow) : undefined;
  }

  async listEndpoints(appId: string, request: PageRequest): Promise<Page<Endpoint>> {
    return this.page('SELECT * FROM endpoints', ['app_id = ?'], [appId], 'id', request, toEndpoint, (ep) => ep.id);
  }

  async allEndpoints(appId: string): Promise<Endpoint[]> {
    let endpoints = this.endpointCache.get(appId);
    if (!endpoints) {
      endpoints = (this.stmt('SELECT * FROM endpoints WHERE app_id = ?').all(appId) as EndpointRow[]).map(toEndpoint);
      if (this.endpointCache.size > 10_000) this.endpointCache.clear();
      this.endpointCache.set(appId, endpoints);
    }
    return endpoints;
  }

  private forgetApplications(): void {
    this.applicationCache.clear();
    this.endpointCache.clear();
  }

  private forgetEndpoints(): void {
    this.endpointCache.clear();
  }

  /** For a second connection's writes (the delivery thread's): drop cached endpoints. */
  forgetCachedEndpoints(): void {
    this.endpointCache.clear();
  }

  async updateEndpoint(appId: string, id: string, changes: EndpointChanges, now: number): Promise<Endpoint> {
    const current = await this.getEndpoint(appId, id);
    if (!current) throw new NotFoundError('Endpoint');
    const next = { ...current, ...changes };
    // Re-enabling an endpoint starts its failure window afresh.
    const failingSince = current.disabled && !next.disabled ? null : current.failingSince;
    try {
      this.stmt(`UPDATE endpoints SET uid = ?, url = ?, description = ?, disabled = ?, event_types = ?, channels = ?,
        headers = ?, throttle_rate = ?, metadata = ?, version = ?, failing_since = ?, updated_at = ?, verification = ?,
        filter = ?, forward_headers = ? WHERE id = ?`)
        .run(next.uid, next.url, next.description, Number(next.disabled), jsonOrNull(next.eventTypes),
          jsonOrNull(next.channels), JSON.stringify(next.headers), next.throttleRate, JSON.stringify(next.metadata),
          next.version, failingSince, now, jsonOrNull(next.verification), jsonOrNull(next.filter),
          jsonOrNull(next.forwardHeaders), current.id);
    } catch (error) {
      throw uniqueViolation(error, `An endpoint with uid "${next.uid}" already exists in this application.`);
    }
    this.forgetEndpoints();
    return (await this.getEndpoint(appId, current.id))!;
  }

  async deleteEndpoint(appId: string, id: string): Promise<boolean> {
    this.forgetEndpoints();
    return this.stmt('DELETE FROM endpoints WHERE app_id = ? AND id = ?').run(appId, id).changes > 0;
  }

  async getEndpointSecrets(endpointId: string, now: number): Promise<EndpointSecret[]> {
    const row = this.stmt('SELECT secrets FROM endpoints WHERE id = ?').get(endpointId) as { secrets: string } | undefined;
    return row ? activeSecrets(row.secrets, now) : [];
  }

  async rotateEndpointSecret(endpointId: string, newKey: string, graceMs: number, now: number): Promise<void> {
    const rotate = this.db.transaction(() => {
      const row = this.stmt('SELECT secrets FROM endpoints WHERE id = ?').get(endpointId) as { secrets: string } | undefined;
      if (!row) throw new NotFoundError('Endpoint');
      const current = activeSecrets(row.secrets, now);
      const retired = current.map((secret) => ({
        key: secret.key,
        expiresAt: Math.min(secret.expiresAt ?? Infinity, now + graceMs),
      }));
      const secrets = [{ key: newKey, expiresAt: null }, ...retired.filter((secret) => secret.expiresAt > now)];
      this.stmt('UPDATE endpoints SET secrets = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(secrets), now, endpointId);
    });
    this.forgetEndpoints();
    rotate.immediate();
  }

  async attemptTimeline(appId: string, endpointId: string, range: { since: number; until: number; bucketMs: number }): Promise<AttemptTimelineBucket[]> {
    // Parameters arrive as floating point: the cast makes the division whole.
    const rows = this.stmt(`SELECT CAST((created_at - ?) / ? AS INTEGER) AS bucket, sum(status = ${MessageStatus.Success}) AS success,
        sum(status = ${MessageStatus.Fail}) AS fail, avg(response_duration_ms) AS average, max(response_duration_ms) AS max
      FROM attempts WHERE app_id = ? AND endpoint_id = ? AND created_at >= ? AND created_at < ?
      GROUP BY bucket ORDER BY bucket`)
      .all(range.since, range.bucketMs, appId, endpointId, range.since, range.until) as Array<{ bucket: number; success: number; fail: number; average: number; max: number }>;
    return rows.map((row) => ({
      start: range.since + row.bucket * range.bucketMs, success: row.success, fail: row.fail,
      averageDurationMs: row.average, maxDurationMs: row.max,
    }));
  }

  async endpointStats(appId: string, endpointId: string, since: number | null, until: number | null): Promise<EndpointStats> {
    const rows = this.stmt(`SELECT status, count(*) AS n FROM deliveries WHERE app_id = ? AND endpoint_id = ?
      AND created_at >= ? AND created_at < ? GROUP BY status`)
      .all(appId, endpointId, since ?? 0, until ?? Number.MAX_SAFE_INTEGER) as { status: MessageStatus; n: number }[];
    const count = (status: MessageStatus) => rows.find((row) => row.status === status)?.n ?? 0;
    return {
      success: count(MessageStatus.Success),
      fail: count(MessageStatus.Fail),
      pending: count(MessageStatus.Pending),
      sending: count(MessageStatus.Sending),
    };
  }

  // Messages

  async createMessages(batch: NewMessage[], now: number): Promise<Array<HeraldError | null>> {
    return this.insertMessages(batch, now, null).results;
  }

  async createMessagesClaiming(batch: NewMessage[], now: number, claim: IngestClaim): Promise<ClaimingResult> {
    return this.insertMessages(batch, now, claim);
  }

  private insertMessages(batch: NewMessage[], now: number, claim: IngestClaim | null): ClaimingResult {
    const insertMessage = this.stmt(`INSERT INTO messages (id, app_id, event_type, event_id, channels, tags, payload, created_at, headers,
      trace_parent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insertDelivery = this.stmt(`INSERT INTO deliveries (msg_id, endpoint_id, app_id, status, available_at, fence,
      created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    let targets = new Map<NewMessage, string[]>();
    const insertKey = this.stmt(`INSERT INTO idempotency_keys (scope, key, request_hash, status, body, created_at)
      VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (scope, key) DO UPDATE SET request_hash = excluded.request_hash,
      status = excluded.status, body = excluded.body, created_at = excluded.created_at`);
    const skip = new Set(claim?.skipEndpointIds);
    let room = claim?.limit ?? 0;
    const leasedUntil = now + (claim?.leaseMs ?? 0);
    /** Per message, the deliveries leased to the caller, as [delivery id, endpoint id]. */
    const leasedOf = new Map<NewMessage, Array<[number, string]>>();
    const insertOne = (item: NewMessage) => {
      const { message } = item;
      insertMessage.run(message.id, message.appId, message.eventType, message.eventId, jsonOrNull(message.channels),
        jsonOrNull(message.tags), message.payload, message.createdAt, jsonOrNull(message.headers), message.traceparent ?? null);
      const leased: Array<[number, string]> = [];
      for (const endpointId of targets.get(item)!) {
        const lease = room > leased.length && !skip.has(endpointId);
        const { lastInsertRowid } = insertDelivery.run(message.id, endpointId, message.appId,
          lease ? MessageStatus.Sending : MessageStatus.Pending, lease ? leasedUntil : now, lease ? 1 : 0, now, now);
        if (lease) leased.push([Number(lastInsertRowid), endpointId]);
      }
      const key = item.idempotency;
      if (key) insertKey.run(key.scope, key.key, key.requestHash, key.status, key.body, key.createdAt);
      // Only now is the message sure to commit (a failure above rolls it back alone).
      room -= leased.length;
      if (leased.length > 0) leasedOf.set(item, leased);
    };
    // The whole batch commits with one fsync. Almost always every message is fine, so it is first
    // tried without savepoints; only if one fails is the batch redone with a savepoint per message,
    // so that the bad one is rolled back alone.
    const optimistic = this.db.transaction(() => {
      targets = this.fanOut(batch);
      batch.forEach(insertOne);
      return this.leasedDeliveries(leasedOf, now);
    });
    try {
      const claimed = optimistic.immediate();
      return { results: batch.map(() => null), claimed, queued: countDeliveries(batch, targets, claimed) };
    } catch {
      // fall through to the careful path
    }
    leasedOf.clear();
    room = claim?.limit ?? 0;
    const one = this.db.transaction(insertOne);
    const results: Array<HeraldError | null> = [];
    const careful = this.db.transaction(() => {
      targets = this.fanOut(batch);
      for (const item of batch) {
        try {
          one(item);
          results.push(null);
        } catch (error) {
          results.push(messageInsertError(error, item.message));
        }
      }
      return this.leasedDeliveries(leasedOf, now);
    });
    const claimed = careful.immediate();
    return { results, claimed, queued: countDeliveries(batch.filter((_, index) => results[index] === null), targets, claimed) };
  }

  /**
   * Each message's deliveries, read in the committing transaction (SQLite has one writer, so no
   * endpoint can commit between this read and the commit) with one query per batch, not one per
   * delivery: the endpoints it names that still exist in its application (one deleted since, or of
   * another application, is skipped rather than failing the message with a foreign-key error), or
   * else every endpoint subscribed to it.
   */
  private fanOut(batch: NewMessage[]): Map<NewMessage, string[]> {
    const named = new Set<string>();
    const subscribing = new Set<string>();
    for (const item of batch) {
      if (item.endpointIds) for (const endpointId of item.endpointIds) named.add(endpointId);
      else subscribing.add(item.message.appId);
    }
    const owners = named.size === 0 ? [] : this.stmt('SELECT id, app_id FROM endpoints WHERE id IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify([...named])) as Array<{ id: string; app_id: string }>;
    const ownerOf = new Map(owners.map((row) => [row.id, row.app_id]));
    const endpointsOf = new Map<string, Endpoint[]>();
    if (subscribing.size > 0) {
      const rows = this.stmt('SELECT * FROM endpoints WHERE app_id IN (SELECT value FROM json_each(?)) ORDER BY id')
        .all(JSON.stringify([...subscribing])) as EndpointRow[];
      for (const row of rows) {
        const endpoints = endpointsOf.get(row.app_id) ?? [];
        endpoints.push(toEndpoint(row));
        endpointsOf.set(row.app_id, endpoints);
      }
    }
    return new Map(batch.map((item) => [item, item.endpointIds
      ? item.endpointIds.filter((endpointId) => ownerOf.get(endpointId) === item.message.appId)
      // Subscription and payload filter (core's chooseEndpoints), judged here, inside the commit.
      : chooseEndpoints(endpointsOf.get(item.message.appId) ?? [], item.message).map((endpoint) => endpoint.id)]));
  }

  /** The deliveries leased while inserting, with their endpoints read in the same transaction. */
  private leasedDeliveries(leasedOf: Map<NewMessage, Array<[number, string]>>, now: number): ClaimedDelivery[] {
    if (leasedOf.size === 0) return [];
    const endpointIds = new Set<string>();
    for (const leased of leasedOf.values()) for (const [, endpointId] of leased) endpointIds.add(endpointId);
    const endpoints = this.endpointsForDelivery([...endpointIds], now);
    const claimed: ClaimedDelivery[] = [];
    for (const [item, leased] of leasedOf) {
      for (const [deliveryId, endpointId] of leased) {
        const target = endpoints.get(endpointId)!;
        claimed.push({
          deliveryId: String(deliveryId),
          fence: 1,
          attemptCount: 0,
          triggerType: TriggerType.Scheduled,
          message: item.message,
          endpoint: target.endpoint,
          secrets: target.secrets,
        });
      }
    }
    return claimed;
  }

  private endpointsForDelivery(ids: string[], now: number): Map<string, { endpoint: Endpoint; secrets: EndpointSecret[] }> {
    return new Map(
      (this.stmt('SELECT * FROM endpoints WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as EndpointRow[])
        .map((row) => [row.id, { endpoint: toEndpoint(row), secrets: activeSecrets(row.secrets, now) }]),
    );
  }

  async getMessage(appId: string, idOrEventId: string): Promise<Message | undefined> {
    const row = this.stmt('SELECT * FROM messages WHERE app_id = ? AND (id = ? OR event_id = ?) LIMIT 1')
      .get(appId, idOrEventId, idOrEventId);
    return row ? toMessage(row as MessageRow) : undefined;
  }

  async listMessages(appId: string, filter: MessageFilter): Promise<Page<Message>> {
    const { where, args } = messageConditions('m', filter);
    return this.page(
      'SELECT m.* FROM messages m', ['m.app_id = ?', ...where], [appId, ...args], 'm.id', filter, toMessage, (m) => m.id);
  }

  async listEndpointMessages(
    appId: string,
    endpointId: string,
    filter: MessageFilter & { status?: MessageStatus },
  ): Promise<Page<EndpointMessage>> {
    const { where, args } = messageConditions('m', filter);
    if (filter.status !== undefined) {
      where.push('d.status = ?');
      args.push(filter.status);
    }
    return this.page(
      `SELECT m.*, d.status AS d_status, d.available_at AS d_available_at FROM deliveries d
        JOIN messages m ON m.id = d.msg_id`,
      ['d.app_id = ?', 'd.endpoint_id = ?', ...where],
      [appId, endpointId, ...args],
      'm.id',
      filter,
      (row: MessageRow & { d_status: MessageStatus; d_available_at: number }) => ({
        message: toMessage(row),
        status: row.d_status,
        nextAttemptAt: nextAttemptOf(row.d_status, row.d_available_at),
      }),
      (item) => item.message.id,
    );
  }

  async listMessageDestinations(appId: string, msgId: string, request: PageRequest): Promise<Page<MessageDestination>> {
    return this.page(
      `SELECT e.*, d.status AS d_status, d.available_at AS d_available_at FROM deliveries d
        JOIN endpoints e ON e.id = d.endpoint_id`,
      ['d.app_id = ?', 'd.msg_id = ?'],
      [appId, msgId],
      'e.id',
      request,
      (row: EndpointRow & { d_status: MessageStatus; d_available_at: number }) => ({
        endpoint: toEndpoint(row),
        status: row.d_status,
        nextAttemptAt: nextAttemptOf(row.d_status, row.d_available_at),
      }),
      (item) => item.endpoint.id,
    );
  }

  async resendMessage(appId: string, msgId: string, endpointId: string, now: number): Promise<void> {
    // Bumping the fence also voids the result of any attempt still in flight for this row. A
    // message whose payload was expunged or purged is never sent again (Svix's rule).
    const { changes } = this.stmt(`INSERT INTO deliveries (msg_id, endpoint_id, app_id, status, trigger_type, available_at,
        created_at, updated_at) SELECT ?, ?, ?, ${MessageStatus.Pending}, 1, ?, ?, ?
        WHERE EXISTS (SELECT 1 FROM messages WHERE id = ? AND payload IS NOT NULL)
      ON CONFLICT (msg_id, endpoint_id) DO UPDATE SET status = ${MessageStatus.Pending}, trigger_type = 1,
        available_at = excluded.available_at, fence = fence + 1, updated_at = excluded.updated_at`)
      .run(msgId, endpointId, appId, now, now, now, msgId);
    if (changes === 0) throw new ConflictError(PAYLOAD_GONE);
  }

  async recoverEndpoint(appId: string, endpointId: string, since: number, until: number | null, now: number): Promise<number> {
    return this.stmt(`UPDATE deliveries SET status = ${MessageStatus.Pending}, trigger_type = 1, available_at = ?,
        fence = fence + 1, updated_at = ?
      WHERE app_id = ? AND endpoint_id = ? AND status = ${MessageStatus.Fail} AND created_at >= ? AND created_at < ?
        AND EXISTS (SELECT 1 FROM messages m WHERE m.id = deliveries.msg_id AND m.payload IS NOT NULL)`)
      .run(now, now, appId, endpointId, since, until ?? Number.MAX_SAFE_INTEGER).changes;
  }

  // Attempts

  async expungeMessageContent(appId: string, msgId: string, now: number): Promise<boolean> {
    // One transaction: the payload goes, and the deliveries still to be made fail with their fence
    // bumped, so neither the queue nor a worker holding a lease sends the emptied message.
    return this.db.transaction(() => {
      const found = this.stmt('UPDATE messages SET payload = NULL WHERE app_id = ? AND id = ?').run(appId, msgId).changes > 0;
      if (found) {
        this.stmt(`UPDATE deliveries SET status = ${MessageStatus.Fail}, fence = fence + 1, updated_at = ?
          WHERE app_id = ? AND msg_id = ? AND status IN (${MessageStatus.Pending}, ${MessageStatus.Sending})`).run(now, appId, msgId);
      }
      return found;
    })();
  }

  async expungeAttemptContent(appId: string, msgId: string, attemptId: string): Promise<boolean> {
    return this.stmt("UPDATE attempts SET response = '' WHERE app_id = ? AND msg_id = ? AND id = ?").run(appId, msgId, attemptId).changes > 0;
  }

  async getAttempt(appId: string, msgId: string, attemptId: string): Promise<Attempt | undefined> {
    const row = this.stmt('SELECT * FROM attempts WHERE app_id = ? AND msg_id = ? AND id = ?').get(appId, msgId, attemptId);
    return row ? toAttempt(row as AttemptRow) : undefined;
  }

  async listAttemptsByEndpoint(appId: string, endpointId: string, filter: AttemptFilter): Promise<Page<Attempt>> {
    return this.listAttempts(['a.app_id = ?', 'a.endpoint_id = ?'], [appId, endpointId], filter);
  }

  async listAttemptsByMessage(appId: string, msgId: string, filter: AttemptFilter): Promise<Page<Attempt>> {
    return this.listAttempts(['a.app_id = ?', 'a.msg_id = ?'], [appId, msgId], filter);
  }

  private listAttempts(where: string[], args: unknown[], filter: AttemptFilter): Page<Attempt> {
    const clauses = [...where];
    const params = [...args];
    const add = (clause: string, value: unknown) => {
      clauses.push(clause);
      params.push(value);
    };
    if (filter.status !== undefined) add('a.status = ?', filter.status);
    if (filter.statusCodeClass !== undefined) {
      add('a.response_status_code >= ?', filter.statusCodeClass);
      add('a.response_status_code < ?', filter.statusCodeClass === 0 ? 100 : filter.statusCodeClass + 100);
    }
    if (filter.endpointId !== undefined) add('a.endpoint_id = ?', filter.endpointId);
    if (filter.before !== undefined) add('a.created_at < ?', filter.before);
    if (filter.after !== undefined) add('a.created_at > ?', filter.after);
    const needsMessage = (filter.eventTypes?.length ?? 0) > 0 || filter.channel !== undefined;
    if (filter.eventTypes && filter.eventTypes.length > 0) {
      add('m.event_type IN (SELECT value FROM json_each(?))', JSON.stringify(filter.eventTypes));
    }
    if (filter.channel !== undefined) add('EXISTS (SELECT 1 FROM json_each(m.channels) WHERE value = ?)', filter.channel);
    const select = needsMessage ? 'SELECT a.* FROM attempts a JOIN messages m ON m.id = a.msg_id' : 'SELECT a.* FROM attempts a';
    return this.page(select, clauses, params, 'a.id', { ...filter, order: filter.order ?? 'descending' }, toAttempt, (a) => a.id);
  }

  // The queue

  async claimDeliveries(limit: number, leaseMs: number, now: number, skipEndpointIds: readonly string[] = []): Promise<ClaimedDelivery[]> {
    const skipping = skipEndpointIds.length > 0;
    const claim = this.db.transaction(() => {
      const leased = this.stmt(`UPDATE deliveries SET status = ${MessageStatus.Sending}, available_at = ?,
          fence = fence + 1, updated_at = ?
        WHERE id IN (SELECT id FROM deliveries WHERE status IN (1, 3) AND available_at <= ?
          ${skipping ? 'AND endpoint_id NOT IN (SELECT value FROM json_each(?))' : ''}
          ORDER BY available_at LIMIT ?)
        RETURNING id, msg_id, endpoint_id, fence, attempt_count, trigger_type`)
        .all(now + leaseMs, now, now, ...(skipping ? [JSON.stringify(skipEndpointIds)] : []), limit) as {
          id: number; msg_id: string; endpoint_id: string; fence: number; attempt_count: number; trigger_type: number;
        }[];
      if (leased.length === 0) return [];
      const messages = new Map(
        (this.stmt('SELECT * FROM messages WHERE id IN (SELECT value FROM json_each(?))')
          .all(JSON.stringify([...new Set(leased.map((row) => row.msg_id))])) as MessageRow[])
          .map((row) => [row.id, toMessage(row)]),
      );
      const endpoints = this.endpointsForDelivery([...new Set(leased.map((row) => row.endpoint_id))], now);
      return leased.map((row): ClaimedDelivery => {
        const target = endpoints.get(row.endpoint_id)!;
        return {
          deliveryId: String(row.id),
          fence: row.fence,
          attemptCount: row.attempt_count,
          triggerType: row.trigger_type,
          message: messages.get(row.msg_id)!,
          endpoint: target.endpoint,
          secrets: target.secrets,
        };
      });
    });
    return this.withoutFsync(() => claim.immediate());
  }

  async recordResults(results: DeliveryResult[], now: number): Promise<boolean[]> {
    const update = this.stmt(`UPDATE deliveries SET status = ?, available_at = ?, attempt_count = attempt_count + ?,
      updated_at = ? WHERE id = ? AND fence = ?`);
    const insertAttempt = this.stmt(`INSERT INTO attempts (id, msg_id, endpoint_id, app_id, url, status,
      response_status_code, response, response_duration_ms, trigger_type, created_at, request_headers)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const healthy = this.stmt('UPDATE endpoints SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL');
    const failing = this.stmt('UPDATE endpoints SET failing_since = ? WHERE id = ? AND failing_since IS NULL');
    const disable = this.stmt('UPDATE endpoints SET disabled = 1, updated_at = ? WHERE id = ?');
    let endpointsChanged = false;
    const record = this.db.transaction(() => {
      // Endpoint health is written once per endpoint per batch, not once per result.
      const attemptsByEndpoint = new Map<string, Attempt[]>();
      const disabled = new Set<string>();
      const applied = results.map((result) => {
        const { outcome, attempt } = result;
        const status = outcome.kind === 'success' ? MessageStatus.Success
          : outcome.kind === 'retry' ? MessageStatus.Pending : MessageStatus.Fail;
        const availableAt = outcome.kind === 'retry' ? outcome.nextAttemptAt : now;
        const done = update.run(status, availableAt, attempt ? 1 : 0, now, Number(result.deliveryId), result.fence).changes === 1;
        if (!done || !attempt) return done;
        insertAttempt.run(attempt.id, attempt.msgId, attempt.endpointId, attempt.appId, attempt.url, attempt.status,
          attempt.responseStatusCode, attempt.response, attempt.responseDurationMs, attempt.triggerType, attempt.createdAt,
          attempt.requestHeaders ? JSON.stringify(attempt.requestHeaders) : null);
        const list = attemptsByEndpoint.get(attempt.endpointId);
        if (list) list.push(attempt);
        else attemptsByEndpoint.set(attempt.endpointId, [attempt]);
        if (result.disableEndpoint) disabled.add(attempt.endpointId);
        return true;
      });
      for (const [endpointId, attempts] of attemptsByEndpoint) {
        // The current run of failures starts at the first failure after the last success.
        const lastSuccess = Math.max(...attempts.filter((a) => a.status === MessageStatus.Success).map((a) => a.createdAt));
        const failures = attempts.filter((a) => a.status !== MessageStatus.Success && a.createdAt > lastSuccess);
        let changed = lastSuccess > -Infinity ? healthy.run(endpointId).changes : 0;
        if (failures.length > 0) changed += failing.run(Math.min(...failures.map((a) => a.createdAt)), endpointId).changes;
        if (changed > 0) endpointsChanged = true;
      }
      for (const endpointId of disabled) {
        disable.run(now, endpointId);
        endpointsChanged = true;
      }
      return applied;
    });
    const applied = this.withoutFsync(() => record.immediate());
    if (endpointsChanged) {
      this.forgetEndpoints();
      this.onEndpointsChanged?.();
    }
    return applied;
  }

  async releaseDeliveries(leases: DeliveryRelease[], now: number): Promise<void> {
    const release = this.stmt(`UPDATE deliveries SET status = ${MessageStatus.Pending}, available_at = ?, updated_at = ?
      WHERE id = ? AND fence = ? AND status = ${MessageStatus.Sending}`);
    const releaseAll = this.db.transaction(() => {
      for (const lease of leases) release.run(lease.availableAt, now, Number(lease.deliveryId), lease.fence);
    });
    this.withoutFsync(() => releaseAll.immediate());
  }

  async expireAllLeases(now: number): Promise<number> {
    return this.stmt(`UPDATE deliveries SET status = ${MessageStatus.Pending}, available_at = ?, fence = fence + 1, updated_at = ?
      WHERE status = ${MessageStatus.Sending}`).run(now, now).changes;
  }

  async queueStats(now: number): Promise<QueueStats> {
    const row = this.stmt(`SELECT count(*) AS depth,
        min(CASE WHEN available_at <= ? THEN available_at END) AS oldest
      FROM deliveries WHERE status IN (1, 3)`).get(now) as { depth: number; oldest: number | null };
    return { depth: row.depth, oldestDueAt: row.oldest };
  }

  async nextDueAt(): Promise<number | null> {
    const row = this.stmt('SELECT min(available_at) AS next FROM deliveries WHERE status IN (1, 3)').get() as { next: number | null };
    return row.next;
  }

  // Idempotency

  async getIdempotency(scope: string, key: string, notBefore: number): Promise<IdempotencyRecord | undefined> {
    const row = this.stmt('SELECT * FROM idempotency_keys WHERE scope = ? AND key = ? AND created_at >= ?')
      .get(scope, key, notBefore) as
      | { scope: string; key: string; request_hash: string; status: number; body: string; created_at: number }
      | undefined;
    return row && { scope: row.scope, key: row.key, requestHash: row.request_hash, status: row.status,
      body: row.body, createdAt: row.created_at };
  }

  async saveIdempotency(record: IdempotencyRecord): Promise<void> {
    this.stmt(`INSERT INTO idempotency_keys (scope, key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (scope, key) DO UPDATE SET request_hash = excluded.request_hash, status = excluded.status,
      body = excluded.body, created_at = excluded.created_at`)
      .run(record.scope, record.key, record.requestHash, record.status, record.body, record.createdAt);
  }

  async purgeIdempotency(olderThan: number): Promise<number> {
    return this.stmt('DELETE FROM idempotency_keys WHERE created_at < ?').run(olderThan).changes;
  }

  // Request inspector

  async createInspectorBin(bin: InspectorBin): Promise<void> {
    this.inspector.createBin(bin);
  }

  async getInspectorBin(token: string, now: number): Promise<InspectorBin | undefined> {
    return this.inspector.getBin(token, now);
  }

  async listInspectorBins(now: number): Promise<InspectorBin[]> {
    return this.inspector.listBins(now);
  }

  async deleteInspectorBin(id: string): Promise<boolean> {
    return this.inspector.deleteBin(id);
  }

  async addInspectorCapture(capture: NewInspectorCapture, keep: number): Promise<InspectorCapture> {
    return this.inspector.addCapture(capture, keep);
  }

  async listInspectorCaptures(binId: string, afterSeq: number, limit: number): Promise<InspectorCapture[]> {
    return this.inspector.listCaptures(binId, afterSeq, limit);
  }

  async purgeInspectorBins(now: number): Promise<number> {
    return this.inspector.purgeBins(now);
  }

  // Tenancy and secrets at rest

  async rewriteEndpointSecrets(rewrite: (stored: string) => string): Promise<number> {
    return this.tenancy.rewriteEndpointSecrets(rewrite);
  }

  async createApiToken(token: ApiToken): Promise<void> {
    this.tenancy.createApiToken(token);
  }

  async getApiTokenByHash(tokenSha256: string): Promise<ApiToken | undefined> {
    return this.tenancy.getApiToken('token_sha256', tokenSha256);
  }

  async getApiToken(id: string): Promise<ApiToken | undefined> {
    return this.tenancy.getApiToken('id', id);
  }

  async listApiTokens(page: PageRequest): Promise<Page<ApiToken>> {
    return this.tenancy.listApiTokens(page);
  }

  async revokeApiToken(id: string, now: number): Promise<boolean> {
    return this.tenancy.revokeApiToken(id, now);
  }

  async touchApiToken(id: string, now: number): Promise<void> {
    this.tenancy.touchApiToken(id, now);
  }

  async appendAuditEntries(entries: AuditEntry[]): Promise<void> {
    this.tenancy.appendAuditEntries(entries);
  }

  async listAuditEntries(page: PageRequest): Promise<Page<AuditEntry>> {
    return this.tenancy.listAuditEntries(page);
  }

  // The inbound gateway (issue 12)

  async createSource(source: NewSource, token: NewSourceToken, now: number): Promise<InboundSource> {
    return this.sources.create(source, token, now);
  }

  async getSource(idOrUid: string): Promise<InboundSource | undefined> {
    return this.sources.get(idOrUid);
  }

  async listSources(page: PageRequest): Promise<Page<InboundSource>> {
    return this.sources.list(page);
  }

  async updateSource(id: string, changes: SourceChanges, now: number): Promise<InboundSource> {
    return this.sources.update(id, changes, now);
  }

  async deleteSource(id: string): Promise<boolean> {
    return this.sources.delete(id);
  }

  async getSourceTokens(sourceId: string, now: number): Promise<SourceToken[]> {
    return this.sources.tokens(sourceId, now);
  }

  async rotateSourceToken(sourceId: string, newToken: NewSourceToken, graceMs: number, now: number): Promise<void> {
    this.sources.rotateToken(sourceId, newToken, graceMs, now);
  }

  async findSourceByToken(tokenSha256: string, now: number): Promise<InboundSource | undefined> {
    return this.sources.byToken(tokenSha256, now);
  }

  async recordInboundRequests(batch: NewInboundRequest[], _now: number): Promise<Array<RecordedInboundRequest | HeraldError>> {
    return this.inboundRequests.record(batch);
  }

  async getInboundRequest(sourceId: string, requestId: string): Promise<InboundRequest | undefined> {
    return this.inboundRequests.get(sourceId, requestId);
  }

  async listInboundRequests(sourceId: string, filter: PageRequest & InboundRequestFilter): Promise<Page<InboundRequest>> {
    return this.inboundRequests.list(sourceId, filter);
  }

  async claimInboundRequests(limit: number, leaseMs: number, now: number): Promise<ClaimedInboundRequest[]> {
    return this.inboundRequests.claim(limit, leaseMs, now);
  }

  async completeInboundRouting(done: InboundRoutingDone, _now: number): Promise<boolean> {
    return this.inboundRequests.complete([done])[0]!;
  }

  async completeInboundRoutings(batch: InboundRoutingDone[], _now: number): Promise<boolean[]> {
    return this.inboundRequests.complete(batch);
  }

  async expireInboundLeases(_now: number): Promise<number> {
    return this.inboundRequests.expireLeases();
  }

  async listRouteOutcomes(requestId: string): Promise<RouteOutcome[]> {
    return this.inboundRequests.outcomes(requestId);
  }

  async requeueInboundRequests(sourceId: string, which: { ids: string[] } | InboundRequestFilter, _now: number): Promise<number> {
    return this.inboundRequests.requeue(sourceId, which);
  }

  async acceptRejectedInboundRequest(sourceId: string, requestId: string, dedupeKey: string | null, _now: number): Promise<InboundVerdict> {
    return this.inboundRequests.acceptRejected(sourceId, requestId, dedupeKey);
  }

  async purgeRejectedInboundBodies(olderThan: number): Promise<number> {
    return this.inboundRequests.purgeRejectedBodies(olderThan);
  }

  async rewriteSourceSecrets(rewrite: { config: (stored: SourceConfig) => SourceConfig; token: (stored: string) => string }): Promise<number> {
    return this.sources.rewriteSecrets(rewrite);
  }

  // Endpoint transformations (stored by the ingest API; run by issue 13's engine)

  async getEndpointTransformation(endpointId: string): Promise<EndpointTransformation | undefined> {
    return this.transformations.get(endpointId);
  }

  async setEndpointTransformation(endpointId: string, changes: { code?: string | null; enabled?: boolean }, now: number): Promise<EndpointTransformation> {
    return this.transformations.set(endpointId, changes, now);
  }

  // Polling endpoints (issue 18), in queries/pollers.ts.
  async createPollingEndpoint(input: NewPollingEndpoint, now: number): Promise<PollingEndpoint> { return this.pollers.create(input, now); }
  async getPollingEndpoint(appId: string, idOrUid: string): Promise<PollingEndpoint | undefined> { return this.pollers.get(appId, idOrUid); }
  async getPollingEndpointByTokenHash(tokenSha256: string): Promise<PollingEndpoint | undefined> { return this.pollers.byTokenHash(tokenSha256); }
  async listPollingEndpoints(appId: string, request: PageRequest): Promise<Page<PollingEndpoint>> { return this.pollers.list(appId, request); }
  async updatePollingEndpoint(appId: string, id: string, changes: PollingEndpointChanges, now: number): Promise<PollingEndpoint> {
    return this.pollers.update(appId, id, changes, now);
  }
  async deletePollingEndpoint(appId: string, id: string): Promise<boolean> { return this.pollers.delete(appId, id); }
  async readMessageLog(appId: string, after: PollPosition, limit: number): Promise<LoggedMessage[]> { return this.pollers.readLog(appId, after, limit); }
  async messageLogPositionAt(appId: string, time: number): Promise<PollPosition> { return this.pollers.positionAt(appId, time); }
  async getPollerConsumer(pollerId: string, consumerId: string): Promise<PollerConsumer | undefined> { return this.pollers.consumer(pollerId, consumerId); }
  async savePollerConsumer(pollerId: string, consumerId: string, position: PollPosition, now: number): Promise<void> {
    this.pollers.saveConsumer(pollerId, consumerId, position, now);
  }
  async listPollerConsumers(pollerId: string): Promise<PollerConsumer[]> { return this.pollers.consumers(pollerId); }
}


/** Deliveries of the committed messages that were left in the queue (their endpoints' count at most). */
const PAYLOAD_GONE = 'This message\'s payload was expunged or has expired: it cannot be sent again.';

function countDeliveries(committed: NewMessage[], targets: Map<NewMessage, string[]>, claimed: ClaimedDelivery[]): number {
  return committed.reduce((total, item) => total + targets.get(item)!.length, 0) - claimed.length;
}

function nextAttemptOf(status: MessageStatus, availableAt: number): number | null {
  return status === MessageStatus.Pending || status === MessageStatus.Sending ? availableAt : null;
}

function messageConditions(alias: string, filter: MessageFilter): { where: string[]; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (filter.eventTypes && filter.eventTypes.length > 0) {
    where.push(`${alias}.event_type IN (SELECT value FROM json_each(?))`);
    args.push(JSON.stringify(filter.eventTypes));
  }
  if (filter.channel !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM json_each(${alias}.channels) WHERE value = ?)`);
    args.push(filter.channel);
  }
  if (filter.tag !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM json_each(${alias}.tags) WHERE value = ?)`);
    args.push(filter.tag);
  }
  if (filter.before !== undefined) {
    where.push(`${alias}.created_at < ?`);
    args.push(filter.before);
  }
  if (filter.after !== undefined) {
    where.push(`${alias}.created_at > ?`);
    args.push(filter.after);
  }
  return { where, args };
}

function isSqliteError(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && (error as { code: string }).code === code;
}

function uniqueViolation(error: unknown, message: string): unknown {
  return isSqliteError(error, 'SQLITE_CONSTRAINT_UNIQUE') || isSqliteError(error, 'SQLITE_CONSTRAINT_PRIMARYKEY')
    ? new ConflictError(message)
    : error;
}

function messageInsertError(error: unknown, message: Message): HeraldError {
  if (isSqliteError(error, 'SQLITE_CONSTRAINT_UNIQUE')) {
    return new ConflictError(`A message with eventId "${message.eventId}" already exists.`);
  }
  if (isSqliteError(error, 'SQLITE_CONSTRAINT_FOREIGNKEY')) return new NotFoundError('Application');
  throw error;
}
