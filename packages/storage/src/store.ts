import type {
  ApiToken,
  AuditEntry,
  Application,
  HeraldError,
  Attempt,
  InspectorBin,
  InspectorCapture,
  NewInspectorCapture,
  Endpoint,
  EndpointSecret,
  EventType,
  Message,
  MessageStatus,
  TriggerType,
} from '@herald/core';
import type { Page, PageRequest } from './pagination.ts';
import type { InboundStore } from './inbound.ts';
import type { TransformationStore } from './transformations.ts';
import type { PollingStore } from './polling.ts';

/** What an adapter can or cannot do, declared as data so callers never sniff the adapter type. */
export interface StoreCapabilities {
  /** Several processes may claim from the queue at once (FOR UPDATE SKIP LOCKED or equivalent). */
  concurrentWorkers: boolean;
}

export type NewApplication = Omit<Application, 'createdAt' | 'updatedAt'>;
export type ApplicationChanges = Partial<Omit<NewApplication, 'id'>>;

export type EventTypeChanges = Partial<Omit<EventType, 'name' | 'createdAt' | 'updatedAt'>>;
export type NewEventType = Omit<EventType, 'createdAt' | 'updatedAt'>;

export type NewEndpoint = Omit<Endpoint, 'failingSince' | 'createdAt' | 'updatedAt'> & { secret: string };
export type EndpointChanges = Partial<Omit<NewEndpoint, 'id' | 'appId' | 'secret'>>;

export interface NewMessage {
  message: Message;
  /**
   * Endpoints to deliver to (send-example names its one). Absent: every endpoint of the application
   * subscribed to the message and matched by its payload filter (core's chooseEndpoints), read
   * inside the committing transaction, so that a message committed after an endpoint's creation
   * committed always reaches it. A list read before the commit could miss an endpoint created in
   * between.
   */
  endpointIds?: string[];
  /** Written in the same transaction, so a crash can never separate the message from its key. */
  idempotency?: IdempotencyRecord;
}

export interface IdempotencyRecord {
  scope: string;
  key: string;
  requestHash: string;
  status: number;
  body: string;
  createdAt: number;
}

export interface MessageFilter extends PageRequest {
  eventTypes?: string[];
  channel?: string;
  /** Only messages carrying this tag. */
  tag?: string;
  before?: number;
  after?: number;
}

export interface AttemptFilter extends PageRequest {
  status?: MessageStatus;
  statusCodeClass?: number;
  eventTypes?: string[];
  channel?: string;
  endpointId?: string;
  before?: number;
  after?: number;
}

export interface EndpointMessage {
  message: Message;
  status: MessageStatus;
  nextAttemptAt: number | null;
}

export interface MessageDestination {
  endpoint: Endpoint;
  status: MessageStatus;
  nextAttemptAt: number | null;
}

export interface EndpointStats {
  success: number;
  fail: number;
  pending: number;
  sending: number;
}

/** Attempts of one endpoint in one time bucket [start, start + bucketMs). */
export interface AttemptTimelineBucket {
  start: number;
  success: number;
  fail: number;
  averageDurationMs: number;
  maxDurationMs: number;
}

export interface IngestClaim {
  limit: number;
  leaseMs: number;
  skipEndpointIds: readonly string[];
}

export interface ClaimingResult {
  /** Per message, as createMessages returns them. */
  results: Array<HeraldError | null>;
  /** Leased to the caller, in the order they were written. */
  claimed: ClaimedDelivery[];
  /** Deliveries committed but left in the queue for a later claim. */
  queued: number;
}

/** A delivery handed to a worker under a lease. `fence` must accompany every write about it. */
export interface ClaimedDelivery {
  deliveryId: string;
  fence: number;
  attemptCount: number;
  triggerType: TriggerType;
  message: Message;
  endpoint: Endpoint;
  secrets: EndpointSecret[];
}

export type DeliveryOutcome =
  | { kind: 'success' }
  | { kind: 'retry'; nextAttemptAt: number }
  | { kind: 'failed' };

export interface DeliveryResult {
  deliveryId: string;
  fence: number;
  /** null when no request was made (e.g. the endpoint was disabled meanwhile). */
  attempt: Attempt | null;
  outcome: DeliveryOutcome;
  disableEndpoint: boolean;
}

export interface DeliveryRelease {
  deliveryId: string;
  fence: number;
  availableAt: number;
}

export interface QueueStats {
  /** Deliveries not yet finished (pending or sending). */
  depth: number;
  /** Due time of the oldest due delivery, or null when nothing is due. */
  oldestDueAt: number | null;
}

/** The inbound gateway's methods are declared with their records, in inbound.ts. */
export interface Store extends InboundStore, TransformationStore, PollingStore {
  readonly capabilities: StoreCapabilities;
  migrate(): Promise<void>;
  close(): Promise<void>;

  getSetting(name: string): Promise<string | undefined>;
  /** Sets the value only if none exists; returns the value in force. */
  initSetting(name: string, value: string): Promise<string>;

  createApplication(input: NewApplication, now: number): Promise<Application>;
  /** By id or uid. */
  getApplication(idOrUid: string): Promise<Application | undefined>;
  listApplications(page: PageRequest): Promise<Page<Application>>;
  updateApplication(id: string, changes: ApplicationChanges, now: number): Promise<Application>;
  deleteApplication(id: string): Promise<boolean>;

  createEventType(input: NewEventType, now: number): Promise<EventType>;
  getEventType(name: string): Promise<EventType | undefined>;
  listEventTypes(page: PageRequest & { includeArchived: boolean }): Promise<Page<EventType>>;
  updateEventType(name: string, changes: EventTypeChanges, now: number): Promise<EventType>;
  /** Archives, or deletes outright with expunge. */
  deleteEventType(name: string, expunge: boolean, now: number): Promise<boolean>;
  /** The subset of `names` that exist and are not archived. */
  existingEventTypes(names: string[]): Promise<string[]>;

  createEndpoint(input: NewEndpoint, now: number): Promise<Endpoint>;
  getEndpoint(appId: string, idOrUid: string): Promise<Endpoint | undefined>;
  listEndpoints(appId: string, page: PageRequest): Promise<Page<Endpoint>>;
  /** Every endpoint of an application, for fan-out. */
  allEndpoints(appId: string): Promise<Endpoint[]>;
  updateEndpoint(appId: string, id: string, changes: EndpointChanges, now: number): Promise<Endpoint>;
  deleteEndpoint(appId: string, id: string): Promise<boolean>;
  getEndpointSecrets(endpointId: string, now: number): Promise<EndpointSecret[]>;
  /** The new key becomes current; the old one stays valid until now + graceMs. */
  rotateEndpointSecret(endpointId: string, newKey: string, graceMs: number, now: number): Promise<void>;
  endpointStats(appId: string, endpointId: string, since: number | null, until: number | null): Promise<EndpointStats>;
  /** The endpoint's attempts made in [since, until), counted per bucket of bucketMs from since; empty buckets left out, oldest first. */
  attemptTimeline(appId: string, endpointId: string, range: { since: number; until: number; bucketMs: number }): Promise<AttemptTimelineBucket[]>;

  /**
   * Commits every message and its deliveries in one transaction (group commit). One message's
   * failure (a duplicate eventId, a deleted application) does not fail the others.
   */
  createMessages(batch: NewMessage[], now: number): Promise<Array<HeraldError | null>>;
  /**
   * createMessages that, in the same transaction, also leases up to `claim.limit` of the new
   * deliveries to the caller (fence 1, until now + leaseMs), leaving out those to
   * `claim.skipEndpointIds`. A worker in the same process then sends them straight away instead of
   * finding them with a claim: one write per delivery fewer, and no wait for its next claim.
   * Optional: a store without it is used through createMessages and claimDeliveries.
   */
  createMessagesClaiming?(batch: NewMessage[], now: number, claim: IngestClaim): Promise<ClaimingResult>;
  getMessage(appId: string, idOrEventId: string): Promise<Message | undefined>;
  listMessages(appId: string, filter: MessageFilter): Promise<Page<Message>>;
  listEndpointMessages(appId: string, endpointId: string, filter: MessageFilter & { status?: MessageStatus }): Promise<Page<EndpointMessage>>;
  listMessageDestinations(appId: string, msgId: string, page: PageRequest): Promise<Page<MessageDestination>>;
  /**
   * Puts the message's delivery to the endpoint back in the queue, due now, as a manual attempt.
   * A ConflictError when the payload was expunged or purged: such a message is never sent again.
   */
  resendMessage(appId: string, msgId: string, endpointId: string, now: number): Promise<void>;
  /** Requeues failed deliveries of an endpoint created in [since, until) as manual attempts, except of messages whose payload is gone; returns how many. */
  recoverEndpoint(appId: string, endpointId: string, since: number, until: number | null, now: number): Promise<number>;
  /**
   * Svix's expungeContent: empties the message's payload for good (it then reads as `{}`) and
   * fails its deliveries not yet made, bumping their fence so that an attempt in flight cannot put
   * one back. False when the application has no such message.
   */
  expungeMessageContent(appId: string, msgId: string, now: number): Promise<boolean>;
  /** Empties one attempt's response body; false when the application's message has no such attempt. */
  expungeAttemptContent(appId: string, msgId: string, attemptId: string): Promise<boolean>;

  getAttempt(appId: string, msgId: string, attemptId: string): Promise<Attempt | undefined>;
  listAttemptsByEndpoint(appId: string, endpointId: string, filter: AttemptFilter): Promise<Page<Attempt>>;
  listAttemptsByMessage(appId: string, msgId: string, filter: AttemptFilter): Promise<Page<Attempt>>;

  /**
   * Leases up to `limit` due deliveries until now + leaseMs, bumping each fence. Deliveries to the
   * endpoints in `skipEndpointIds` are left in the queue: the worker already holds as many for
   * their origin as it may send at once, and holding more would starve every other endpoint.
   */
  claimDeliveries(limit: number, leaseMs: number, now: number, skipEndpointIds?: readonly string[]): Promise<ClaimedDelivery[]>;
  /** Applies results whose fence still matches; returns, per result, whether it was applied. */
  recordResults(results: DeliveryResult[], now: number): Promise<boolean[]>;
  /** Hands leased deliveries back without an attempt (shutdown, throttling), fenced. */
  releaseDeliveries(leases: DeliveryRelease[], now: number): Promise<void>;
  /**
   * Makes every leased delivery claimable now. Only for a store no other worker can use at the same
   * time (capabilities.concurrentWorkers false), at start: every lease then belongs to a process
   * that is gone, and waiting out its lease would only delay the backlog.
   */
  expireAllLeases(now: number): Promise<number>;
  queueStats(now: number): Promise<QueueStats>;
  /** Earliest time a delivery becomes claimable, or null if the queue is empty. */
  nextDueAt(): Promise<number | null>;

  getIdempotency(scope: string, key: string, notBefore: number): Promise<IdempotencyRecord | undefined>;
  saveIdempotency(record: IdempotencyRecord): Promise<void>;
  purgeIdempotency(olderThan: number): Promise<number>;

  // The request inspector (Herald extension). Any API process may receive a capture, so captures
  // live in the store rather than in memory.
  createInspectorBin(bin: InspectorBin): Promise<void>;
  /** The bin with this token, unless it expired by `now`. */
  getInspectorBin(token: string, now: number): Promise<InspectorBin | undefined>;
  /** Bins not expired by `now`, newest first. */
  listInspectorBins(now: number): Promise<InspectorBin[]>;
  /** Deletes the bin and its captures. */
  deleteInspectorBin(id: string): Promise<boolean>;
  /** Stores the capture and drops the bin's oldest ones beyond the newest `keep`; returns it with its seq. */
  addInspectorCapture(capture: NewInspectorCapture, keep: number): Promise<InspectorCapture>;
  /** The bin's captures with seq greater than `afterSeq`, oldest first, at most `limit`. */
  listInspectorCaptures(binId: string, afterSeq: number, limit: number): Promise<InspectorCapture[]>;
  /** Deletes bins expired by `now`, with their captures; returns how many bins. */
  purgeInspectorBins(now: number): Promise<number>;
  /**
   * Rewrites every stored endpoint secret (current and retired) through `rewrite`, in one
   * transaction, storing only those that changed; returns how many changed. Used to seal secrets
   * again under a new encryption key.
   */
  rewriteEndpointSecrets(rewrite: (stored: string) => string): Promise<number>;

  createApiToken(token: ApiToken): Promise<void>;
  getApiTokenByHash(tokenSha256: string): Promise<ApiToken | undefined>;
  getApiToken(id: string): Promise<ApiToken | undefined>;
  listApiTokens(page: PageRequest): Promise<Page<ApiToken>>;
  /** Marks the token revoked (once; the first time stays); false if there is no such token. */
  revokeApiToken(id: string, now: number): Promise<boolean>;
  touchApiToken(id: string, now: number): Promise<void>;

  /** Appends rows to the audit log, which no method changes or deletes. */
  appendAuditEntries(entries: AuditEntry[]): Promise<void>;
  listAuditEntries(page: PageRequest): Promise<Page<AuditEntry>>;
}
