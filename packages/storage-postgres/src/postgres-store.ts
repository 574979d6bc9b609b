import type pg from 'pg';
import type {
  ApiToken, Application, Attempt, AuditEntry, Endpoint, EndpointSecret, EventType, HeraldError, InspectorBin, InspectorCapture, Message,
  MessageStatus, NewInspectorCapture,
} from '@herald/core';
import type {
  ApplicationChanges, AttemptFilter, AttemptTimelineBucket, ClaimedDelivery, DeliveryRelease, DeliveryResult, EndpointChanges, EndpointMessage,
  EndpointStats, EventTypeChanges, IdempotencyRecord, MessageDestination, MessageFilter, NewApplication, NewEndpoint,
  NewEventType, NewMessage, Page, PageRequest, QueueStats, Store, StoreCapabilities,
  ClaimedInboundRequest, InboundRequest, InboundRequestFilter, InboundRoutingDone, InboundSource, InboundVerdict, NewInboundRequest,
  NewSource, NewSourceToken, RecordedInboundRequest, RouteOutcome, SourceChanges, SourceConfig, SourceToken,
  EndpointTransformation,
  LoggedMessage, NewPollingEndpoint, PollPosition, PollerConsumer, PollingEndpointChanges,
} from '@herald/storage';
import type { PollingEndpoint } from '@herald/core';
import * as pollers from './queries/pollers.ts';
import { createPool } from './pool.ts';
import { migrate } from './migrate.ts';
import { inTransaction, isPgError } from './sql.ts';
import * as settings from './queries/settings.ts';
import * as applications from './queries/applications.ts';
import * as eventTypes from './queries/event-types.ts';
import * as endpoints from './queries/endpoints.ts';
import * as messages from './queries/messages.ts';
import * as attempts from './queries/attempts.ts';
import * as queue from './queries/queue.ts';
import * as idempotency from './queries/idempotency.ts';
import * as inspector from './queries/inspector.ts';
import * as apiTokens from './queries/api-tokens.ts';
import * as auditLog from './queries/audit-log.ts';
import * as sources from './queries/sources.ts';
import * as transformations from './queries/transformations.ts';
import * as inboundRequests from './queries/inbound-requests.ts';
import { applyEndpointLimits } from './queries/claim-limits.ts';
import { purgeBodies, type PurgeCounts } from './queries/retention.ts';
import { listenForDeliveries } from './notifications.ts';
import { LookupBatcher } from './lookup-batcher.ts';
import { toApplication, toEndpoint, type ApplicationRow, type EndpointRow } from './rows.ts';

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database */
  connectionString: string;
  /** Work in this schema instead of the connection's default (tests give each store its own). */
  schema?: string;
  /** Most connections this process opens. */
  poolSize?: number;
  /** Most leases in flight for one endpoint across every worker; null for no limit. */
  endpointConcurrency?: number | null;
}

const DEADLOCK = '40P01';

/**
 * The networked store: any number of API and worker processes share one database. Each method is
 * one statement or one short transaction; SQL lives per area in queries/.
 */
export class PostgresStore implements Store {
  readonly capabilities: StoreCapabilities = { concurrentWorkers: true };
  readonly pool: pg.Pool;
  /**
   * Queue bookkeeping (claims, results, releases) commits without waiting for the WAL flush
   * (synchronous_commit off): still atomic, and only a crash of the database server itself can
   * undo the last few such commits, which means a delivery is sent again: the at-least-once
   * promise. Accepting a message always waits for the flush.
   */
  private readonly queuePool: pg.Pool;
  private readonly endpointConcurrency: number | null;
  /** Every accepted message looks up its application and that application's endpoints: one query per event-loop turn each. */
  private readonly applicationLookups: LookupBatcher<ApplicationRow>;
  private readonly endpointLookups: LookupBatcher<EndpointRow>;

  constructor(private readonly options: PostgresStoreOptions) {
    this.pool = createPool({ connectionString: options.connectionString, schema: options.schema, max: options.poolSize });
    this.queuePool = createPool({ connectionString: options.connectionString, schema: options.schema, max: 3, durable: false });
    this.endpointConcurrency = options.endpointConcurrency ?? null;
    this.applicationLookups = new LookupBatcher((keys) => applications.applicationsByKey(this.pool, keys));
    this.endpointLookups = new LookupBatcher((appIds) => endpoints.endpointsOfApps(this.pool, appIds));
  }

  migrate(): Promise<void> {
    return migrate(this.pool);
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.end(), this.queuePool.end()]);
  }

  getSetting(name: string): Promise<string | undefined> { return settings.getSetting(this.pool, name); }
  initSetting(name: string, value: string): Promise<string> { return settings.initSetting(this.pool, name, value); }

  createApplication(input: NewApplication, now: number): Promise<Application> { return applications.createApplication(this.pool, input, now); }
  async getApplication(idOrUid: string): Promise<Application | undefined> {
    const [row] = await this.applicationLookups.load(idOrUid);
    return row && toApplication(row);
  }
  listApplications(page: PageRequest): Promise<Page<Application>> { return applications.listApplications(this.pool, page); }
  updateApplication(id: string, changes: ApplicationChanges, now: number): Promise<Application> {
    return applications.updateApplication(this.pool, id, changes, now);
  }
  deleteApplication(id: string): Promise<boolean> { return applications.deleteApplication(this.pool, id); }

  createEventType(input: NewEventType, now: number): Promise<EventType> { return eventTypes.createEventType(this.pool, input, now); }
  getEventType(name: string): Promise<EventType | undefined> { return eventTypes.getEventType(this.pool, name); }
  listEventTypes(page: PageRequest & { includeArchived: boolean }): Promise<Page<EventType>> { return eventTypes.listEventTypes(this.pool, page); }
  updateEventType(name: string, changes: EventTypeChanges, now: number): Promise<EventType> {
    return eventTypes.updateEventType(this.pool, name, changes, now);
  }
  deleteEventType(name: string, expunge: boolean, now: number): Promise<boolean> { return eventTypes.deleteEventType(this.pool, name, expunge, now); }
  existingEventTypes(names: string[]): Promise<string[]> { return eventTypes.existingEventTypes(this.pool, names); }

  createEndpoint(input: NewEndpoint, now: number): Promise<Endpoint> { return endpoints.createEndpoint(this.pool, input, now); }
  getEndpoint(appId: string, idOrUid: string): Promise<Endpoint | undefined> { return endpoints.getEndpoint(this.pool, appId, idOrUid); }
  listEndpoints(appId: string, page: PageRequest): Promise<Page<Endpoint>> { return endpoints.listEndpoints(this.pool, appId, page); }
  async allEndpoints(appId: string): Promise<Endpoint[]> { return (await this.endpointLookups.load(appId)).map(toEndpoint); }
  updateEndpoint(appId: string, id: string, changes: EndpointChanges, now: number): Promise<Endpoint> {
    return endpoints.updateEndpoint(this.pool, appId, id, changes, now);
  }
  deleteEndpoint(appId: string, id: string): Promise<boolean> { return endpoints.deleteEndpoint(this.pool, appId, id); }
  getEndpointSecrets(endpointId: string, now: number): Promise<EndpointSecret[]> { return endpoints.getEndpointSecrets(this.pool, endpointId, now); }
  rotateEndpointSecret(endpointId: string, newKey: string, graceMs: number, now: number): Promise<void> {
    return endpoints.rotateEndpointSecret(this.pool, endpointId, newKey, graceMs, now);
  }
  endpointStats(appId: string, endpointId: string, since: number | null, until: number | null): Promise<EndpointStats> {
    return endpoints.endpointStats(this.pool, appId, endpointId, since, until);
  }
  attemptTimeline(appId: string, endpointId: string, range: { since: number; until: number; bucketMs: number }): Promise<AttemptTimelineBucket[]> {
    return attempts.attemptTimeline(this.pool, appId, endpointId, range);
  }

  createMessages(batch: NewMessage[], now: number): Promise<Array<HeraldError | null>> { return messages.createMessages(this.pool, batch, now); }
  getMessage(appId: string, idOrEventId: string): Promise<Message | undefined> { return messages.getMessage(this.pool, appId, idOrEventId); }
  listMessages(appId: string, filter: MessageFilter): Promise<Page<Message>> { return messages.listMessages(this.pool, appId, filter); }
  listEndpointMessages(appId: string, endpointId: string, filter: MessageFilter & { status?: MessageStatus }): Promise<Page<EndpointMessage>> {
    return messages.listEndpointMessages(this.pool, appId, endpointId, filter);
  }
  listMessageDestinations(appId: string, msgId: string, page: PageRequest): Promise<Page<MessageDestination>> {
    return messages.listMessageDestinations(this.pool, appId, msgId, page);
  }
  resendMessage(appId: string, msgId: string, endpointId: string, now: number): Promise<void> {
    return messages.resendMessage(this.pool, appId, msgId, endpointId, now);
  }
  recoverEndpoint(appId: string, endpointId: string, since: number, until: number | null, now: number): Promise<number> {
    return messages.recoverEndpoint(this.pool, appId, endpointId, since, until, now);
  }
  expungeMessageContent(appId: string, msgId: string, now: number): Promise<boolean> {
    return messages.expungeMessageContent(this.pool, appId, msgId, now);
  }
  expungeAttemptContent(appId: string, msgId: string, attemptId: string): Promise<boolean> {
    return attempts.expungeAttemptContent(this.pool, appId, msgId, attemptId);
  }

  getAttempt(appId: string, msgId: string, attemptId: string): Promise<Attempt | undefined> { return attempts.getAttempt(this.pool, appId, msgId, attemptId); }
  listAttemptsByEndpoint(appId: string, endpointId: string, filter: AttemptFilter): Promise<Page<Attempt>> {
    return attempts.listAttempts(this.pool, 'endpoint_id', appId, endpointId, filter);
  }
  listAttemptsByMessage(appId: string, msgId: string, filter: AttemptFilter): Promise<Page<Attempt>> {
    return attempts.listAttempts(this.pool, 'msg_id', appId, msgId, filter);
  }

  /**
   * One statement leases the batch; only when per-endpoint limits apply to something in it does a
   * short transaction follow that hands back what is over a limit (see claim-limits.ts).
   */
  async claimDeliveries(limit: number, leaseMs: number, now: number, skipEndpointIds: readonly string[] = []): Promise<ClaimedDelivery[]> {
    const claimed = await queue.leaseDue(this.queuePool, limit, leaseMs, now, skipEndpointIds);
    if (!claimed.some((c) => this.endpointConcurrency !== null || (c.endpoint.throttleRate ?? 0) > 0)) return claimed;
    return this.retryOnDeadlock(() => inTransaction(this.queuePool, (client) => applyEndpointLimits(client, claimed, this.endpointConcurrency, now)));
  }
  recordResults(results: DeliveryResult[], now: number): Promise<boolean[]> {
    return this.retryOnDeadlock(() => queue.writeResults(this.queuePool, results, now));
  }
  releaseDeliveries(leases: DeliveryRelease[], now: number): Promise<void> { return queue.releaseDeliveries(this.queuePool, leases, now); }
  expireAllLeases(now: number): Promise<number> { return queue.expireAllLeases(this.pool, now); }
  queueStats(now: number): Promise<QueueStats> { return queue.queueStats(this.pool, now); }
  nextDueAt(): Promise<number | null> { return queue.nextDueAt(this.pool); }

  getIdempotency(scope: string, key: string, notBefore: number): Promise<IdempotencyRecord | undefined> {
    return idempotency.getIdempotency(this.pool, scope, key, notBefore);
  }
  saveIdempotency(record: IdempotencyRecord): Promise<void> { return idempotency.saveIdempotency(this.pool, record); }
  purgeIdempotency(olderThan: number): Promise<number> { return idempotency.purgeIdempotency(this.pool, olderThan); }

  createInspectorBin(bin: InspectorBin): Promise<void> { return inspector.createBin(this.pool, bin); }
  getInspectorBin(token: string, now: number): Promise<InspectorBin | undefined> { return inspector.getBin(this.pool, token, now); }
  listInspectorBins(now: number): Promise<InspectorBin[]> { return inspector.listBins(this.pool, now); }
  deleteInspectorBin(id: string): Promise<boolean> { return inspector.deleteBin(this.pool, id); }
  addInspectorCapture(capture: NewInspectorCapture, keep: number): Promise<InspectorCapture> { return inspector.addCapture(this.pool, capture, keep); }
  listInspectorCaptures(binId: string, afterSeq: number, limit: number): Promise<InspectorCapture[]> {
    return inspector.listCaptures(this.pool, binId, afterSeq, limit);
  }
  purgeInspectorBins(now: number): Promise<number> { return inspector.purgeBins(this.pool, now); }

  rewriteEndpointSecrets(rewrite: (stored: string) => string): Promise<number> { return endpoints.rewriteEndpointSecrets(this.pool, rewrite); }

  createApiToken(token: ApiToken): Promise<void> { return apiTokens.createApiToken(this.pool, token); }
  getApiTokenByHash(tokenSha256: string): Promise<ApiToken | undefined> { return apiTokens.getApiToken(this.pool, 'token_sha256', tokenSha256); }
  getApiToken(id: string): Promise<ApiToken | undefined> { return apiTokens.getApiToken(this.pool, 'id', id); }
  listApiTokens(page: PageRequest): Promise<Page<ApiToken>> { return apiTokens.listApiTokens(this.pool, page); }
  revokeApiToken(id: string, now: number): Promise<boolean> { return apiTokens.revokeApiToken(this.pool, id, now); }
  touchApiToken(id: string, now: number): Promise<void> { return apiTokens.touchApiToken(this.pool, id, now); }

  appendAuditEntries(entries: AuditEntry[]): Promise<void> { return auditLog.appendAuditEntries(this.pool, entries); }
  listAuditEntries(page: PageRequest): Promise<Page<AuditEntry>> { return auditLog.listAuditEntries(this.pool, page); }

  // The inbound gateway (issue 12). Recording waits for the WAL flush (a 2xx promises the request
  // is kept); claims and completions are queue bookkeeping, on the queue pool: losing one to a crash
  // of the database server only routes a round again, and its message keeps the same eventId.
  createSource(source: NewSource, token: NewSourceToken, now: number): Promise<InboundSource> { return sources.createSource(this.pool, source, token, now); }
  getSource(idOrUid: string): Promise<InboundSource | undefined> { return sources.getSource(this.pool, idOrUid); }
  listSources(page: PageRequest): Promise<Page<InboundSource>> { return sources.listSources(this.pool, page); }
  updateSource(id: string, changes: SourceChanges, now: number): Promise<InboundSource> { return sources.updateSource(this.pool, id, changes, now); }
  deleteSource(id: string): Promise<boolean> { return sources.deleteSource(this.pool, id); }
  getSourceTokens(sourceId: string, now: number): Promise<SourceToken[]> { return sources.getSourceTokens(this.pool, sourceId, now); }
  rotateSourceToken(sourceId: string, newToken: NewSourceToken, graceMs: number, now: number): Promise<void> {
    return sources.rotateSourceToken(this.pool, sourceId, newToken, graceMs, now);
  }
  findSourceByToken(tokenSha256: string, now: number): Promise<InboundSource | undefined> { return sources.findSourceByToken(this.pool, tokenSha256, now); }
  recordInboundRequests(batch: NewInboundRequest[], _now: number): Promise<Array<RecordedInboundRequest | HeraldError>> {
    return inboundRequests.recordInboundRequests(this.pool, batch);
  }
  getInboundRequest(sourceId: string, requestId: string): Promise<InboundRequest | undefined> {
    return inboundRequests.getInboundRequest(this.pool, sourceId, requestId);
  }
  listInboundRequests(sourceId: string, filter: PageRequest & InboundRequestFilter): Promise<Page<InboundRequest>> {
    return inboundRequests.listInboundRequests(this.pool, sourceId, filter);
  }
  claimInboundRequests(limit: number, leaseMs: number, now: number): Promise<ClaimedInboundRequest[]> {
    return inboundRequests.claimInboundRequests(this.queuePool, limit, leaseMs, now);
  }
  completeInboundRouting(done: InboundRoutingDone, _now: number): Promise<boolean> { return inboundRequests.completeInboundRouting(this.queuePool, done); }
  completeInboundRoutings(batch: InboundRoutingDone[], _now: number): Promise<boolean[]> {
    return inboundRequests.completeInboundRoutings(this.queuePool, batch);
  }
  expireInboundLeases(_now: number): Promise<number> { return inboundRequests.expireInboundLeases(this.pool); }
  listRouteOutcomes(requestId: string): Promise<RouteOutcome[]> { return inboundRequests.listRouteOutcomes(this.pool, requestId); }
  requeueInboundRequests(sourceId: string, which: { ids: string[] } | InboundRequestFilter, _now: number): Promise<number> {
    return inboundRequests.requeueInboundRequests(this.pool, sourceId, which);
  }
  acceptRejectedInboundRequest(sourceId: string, requestId: string, dedupeKey: string | null, _now: number): Promise<InboundVerdict> {
    return inboundRequests.acceptRejectedInboundRequest(this.pool, sourceId, requestId, dedupeKey);
  }
  purgeRejectedInboundBodies(olderThan: number): Promise<number> { return inboundRequests.purgeRejectedInboundBodies(this.pool, olderThan); }
  rewriteSourceSecrets(rewrite: { config: (stored: SourceConfig) => SourceConfig; token: (stored: string) => string }): Promise<number> {
    return sources.rewriteSourceSecrets(this.pool, rewrite);
  }

  // Endpoint transformations (stored by the ingest API; run by issue 13's engine).
  getEndpointTransformation(endpointId: string): Promise<EndpointTransformation | undefined> {
    return transformations.getEndpointTransformation(this.pool, endpointId);
  }
  setEndpointTransformation(endpointId: string, changes: { code?: string | null; enabled?: boolean }, now: number): Promise<EndpointTransformation> {
    return transformations.setEndpointTransformation(this.pool, endpointId, changes, now);
  }

  // Polling endpoints (issue 18), in queries/pollers.ts.
  createPollingEndpoint(input: NewPollingEndpoint, now: number): Promise<PollingEndpoint> { return pollers.createPollingEndpoint(this.pool, input, now); }
  getPollingEndpoint(appId: string, idOrUid: string): Promise<PollingEndpoint | undefined> { return pollers.getPollingEndpoint(this.pool, appId, idOrUid); }
  getPollingEndpointByTokenHash(tokenSha256: string): Promise<PollingEndpoint | undefined> {
    return pollers.getPollingEndpointByTokenHash(this.pool, tokenSha256);
  }
  listPollingEndpoints(appId: string, page: PageRequest): Promise<Page<PollingEndpoint>> { return pollers.listPollingEndpoints(this.pool, appId, page); }
  updatePollingEndpoint(appId: string, id: string, changes: PollingEndpointChanges, now: number): Promise<PollingEndpoint> {
    return pollers.updatePollingEndpoint(this.pool, appId, id, changes, now);
  }
  deletePollingEndpoint(appId: string, id: string): Promise<boolean> { return pollers.deletePollingEndpoint(this.pool, appId, id); }
  readMessageLog(appId: string, after: PollPosition, limit: number): Promise<LoggedMessage[]> { return pollers.readMessageLog(this.pool, appId, after, limit); }
  messageLogPositionAt(appId: string, time: number): Promise<PollPosition> { return pollers.messageLogPositionAt(this.pool, appId, time); }
  getPollerConsumer(pollerId: string, consumerId: string): Promise<PollerConsumer | undefined> {
    return pollers.getPollerConsumer(this.pool, pollerId, consumerId);
  }
  savePollerConsumer(pollerId: string, consumerId: string, position: PollPosition, now: number): Promise<void> {
    return pollers.savePollerConsumer(this.pool, pollerId, consumerId, position, now);
  }
  listPollerConsumers(pollerId: string): Promise<PollerConsumer[]> { return pollers.listPollerConsumers(this.pool, pollerId); }

  // Beyond the Store interface: what only a shared, networked database offers.

  /** Extends leases still held under the given fences to each one's availableAt. */
  renewLeases(leases: DeliveryRelease[], now: number): Promise<void> { return queue.renewLeases(this.queuePool, leases, now); }

  /** Empties payloads and attempt bodies older than `cutoff`, one small batch of each. */
  purgeBodies(cutoff: number, batchSize = 500): Promise<PurgeCounts> { return purgeBodies(this.pool, cutoff, batchSize); }

  /** Calls `onDue` whenever any process commits new deliveries; returns a function that stops listening. */
  listenForDeliveries(onDue: () => void, onError: (error: unknown) => void): () => Promise<void> {
    return listenForDeliveries(this.options, onDue, onError);
  }

  /** Two workers' transactions can still deadlock on endpoint rows; Postgres aborts one, which simply runs again. */
  private async retryOnDeadlock<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (!isPgError(error, DEADLOCK) || attempt >= 3) throw error;
      }
    }
  }
}
