/**
 * The inbound gateway's records and Store methods (issue 12, docs/design/inbound-gateway.md):
 * sources, their tokens, the requests they receive and how each was routed. Times are epoch ms.
 */
import { createHash } from 'node:crypto';
import type { HeraldError } from '@herald/core';
import type { Page, PageRequest } from './pagination.ts';

/**
 * A source's verification config: one shape per source type, validated by the core's `inbound/`
 * module. Opaque here: the store keeps it whole (sealed at rest by withSecretEncryption, since any
 * field may be a secret).
 */
export type SourceConfig = Record<string, unknown>;

/** Where a provider's delivery id is read from; structurally the core's DedupeRule. */
export interface DedupeRule {
  from: 'header' | 'body' | 'query';
  /** A header or query name, or a dotted body path ("data.object.id"). */
  path: string;
}

/** The answer a source gives to an accepted request (Hookdeck-style). */
export interface SourceResponse {
  status: number;
  contentType: string;
  body: string;
}

export interface InboundSource {
  id: string;
  uid: string | null;
  name: string;
  type: string;
  config: SourceConfig;
  metadata: Record<string, string>;
  /** The backing application: uid `ingest-<source id>`, name `Ingest: <name>`. */
  appId: string;
  disabled: boolean;
  /** null: any address. */
  allowedCidrs: string[] | null;
  /** Requests per second; null: no limit. */
  rateLimit: number | null;
  /** null: 200 {"ok":true}. */
  response: SourceResponse | null;
  /** null: the type's preset. */
  dedupe: DedupeRule | null;
  createdAt: number;
  updatedAt: number;
}

export type NewSource = Omit<InboundSource, 'createdAt' | 'updatedAt'>;
/** The backing application follows a change of name; `appId` never changes. */
export type SourceChanges = Partial<Omit<NewSource, 'id' | 'appId'>>;

/** A token as stored: shown again to the user (ingestUrl), so kept, sealed at rest. */
export interface SourceToken {
  token: string;
  /** null for the current token; set for a rotated-out token still valid for a grace period. */
  expiresAt: number | null;
}

/**
 * A token on its way into the store: the value to keep (sealed by withSecretEncryption) and its
 * SHA-256, computed from the plaintext before sealing, so that a lookup never needs decryption and
 * a sealed value never needs to be deterministic. Build it with `newSourceToken`.
 */
export interface NewSourceToken {
  token: string;
  sha256: string;
}

/** SHA-256 (hex) of a source token: what findSourceByToken looks up. */
export function sourceTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newSourceToken(token: string): NewSourceToken {
  return { token, sha256: sourceTokenHash(token) };
}

export type InboundVerdict = 'accepted' | 'rejected' | 'duplicate';

export interface InboundRequest {
  id: string;
  sourceId: string;
  receivedAt: number;
  method: string;
  path: string;
  /** The raw query string, without '?'. */
  query: string;
  headers: Record<string, string>;
  /** null once purged (rejected, after retention) or when never read (413, 405). */
  body: Buffer | null;
  sourceIp: string;
  verdict: InboundVerdict;
  /** 'verification_failed: bad_signature', 'ip_not_allowed', 'source_disabled', 'method_not_allowed', 'payload_too_large', 'unsupported_body' */
  rejectReason: string | null;
  dedupeKey: string | null;
  /** For verdict 'duplicate': the accepted original. */
  duplicateOf: string | null;
  /** On the accepted original: how many repeats came. */
  duplicates: number;
  eventType: string;
  /** 0 until the first replay; each replay adds one. */
  routingRound: number;
  /** The last round whose routing completed; -1 before the first. Routable while routingRound > routedRound. */
  routedRound: number;
}

/** A request as received: the store decides duplicates and keeps the routing state. */
export type NewInboundRequest = Omit<InboundRequest, 'duplicateOf' | 'duplicates' | 'routingRound' | 'routedRound'>;

export interface RecordedInboundRequest {
  id: string;
  verdict: InboundVerdict;
  duplicateOf: string | null;
}

export interface InboundRequestFilter {
  verdict?: InboundVerdict;
  /** receivedAt < before */
  before?: number;
  /** receivedAt > after */
  after?: number;
}

export type RouteOutcomeKind = 'forwarded' | 'filtered' | 'transformation_failed' | 'endpoint_disabled';

export interface RouteOutcome {
  requestId: string;
  round: number;
  endpointId: string;
  outcome: RouteOutcomeKind;
  reason: string | null;
  msgId: string | null;
  createdAt: number;
}

/** A request leased to a router. `fence` must accompany its completion. */
export interface ClaimedInboundRequest {
  request: InboundRequest;
  source: InboundSource;
  fence: number;
  /** The round to route (the request's routingRound when claimed). */
  round: number;
}

export interface InboundRoutingDone {
  requestId: string;
  fence: number;
  round: number;
  outcomes: RouteOutcome[];
}

export interface InboundStore {
  /** Also creates its backing application, in the same transaction. A taken uid is a ConflictError. */
  createSource(source: NewSource, token: NewSourceToken, now: number): Promise<InboundSource>;
  /** By id or uid. */
  getSource(idOrUid: string): Promise<InboundSource | undefined>;
  listSources(page: PageRequest): Promise<Page<InboundSource>>;
  /** NotFoundError if there is no such source; the backing application is renamed with it. */
  updateSource(id: string, changes: SourceChanges, now: number): Promise<InboundSource>;
  /** Deletes its application (endpoints, messages), tokens, requests and outcomes. */
  deleteSource(id: string): Promise<boolean>;
  /** Current first, then unexpired old ones, newest first. */
  getSourceTokens(sourceId: string, now: number): Promise<SourceToken[]>;
  /** The new token becomes current; the old ones stay valid until now + graceMs at most. NotFoundError without the source. */
  rotateSourceToken(sourceId: string, newToken: NewSourceToken, graceMs: number, now: number): Promise<void>;
  /** The source of a current or unexpired old token. */
  findSourceByToken(tokenSha256: string, now: number): Promise<InboundSource | undefined>;

  /**
   * Group commit: every request of the batch in one transaction. An accepted request whose
   * dedupeKey is already accepted for its source (earlier, or earlier in this batch) is stored as
   * 'duplicate', duplicateOf set, and the original's duplicates grows by one. One request's failure
   * (a taken id, a deleted source) fails only that request.
   */
  recordInboundRequests(batch: NewInboundRequest[], now: number): Promise<Array<RecordedInboundRequest | HeraldError>>;
  getInboundRequest(sourceId: string, requestId: string): Promise<InboundRequest | undefined>;
  /** Newest first unless `order` says otherwise. */
  listInboundRequests(sourceId: string, filter: PageRequest & InboundRequestFilter): Promise<Page<InboundRequest>>;
  /** Accepted requests with routingRound > routedRound whose lease is free, leased until now + leaseMs, fence bumped; oldest first. */
  claimInboundRequests(limit: number, leaseMs: number, now: number): Promise<ClaimedInboundRequest[]>;
  /** Fenced: writes the outcomes, sets routedRound to the round and frees the lease; false if the fence moved. */
  completeInboundRouting(done: InboundRoutingDone, now: number): Promise<boolean>;
  /**
   * A router's whole claimed batch in one transaction: each member fenced on its own (as
   * completeInboundRouting), so a member whose fence moved is refused (false at its index) while the
   * others complete. One commit per batch instead of one per request.
   */
  completeInboundRoutings(batch: InboundRoutingDone[], now: number): Promise<boolean[]>;
  /**
   * Frees every inbound lease. Only for a store no other router can use at the same time
   * (capabilities.concurrentWorkers false), at start: every lease then belongs to a process that is
   * gone, and waiting it out would only delay routing what was accepted before the crash.
   */
  expireInboundLeases(now: number): Promise<number>;
  /** Every round's outcomes, newest round first, then by endpoint id. */
  listRouteOutcomes(requestId: string): Promise<RouteOutcome[]>;
  /** Replay: routingRound += 1 for these accepted requests of the source (by ids, or every match of the filter); returns how many. */
  requeueInboundRequests(sourceId: string, which: { ids: string[] } | InboundRequestFilter, now: number): Promise<number>;
  /**
   * A rejected request re-verified after a secret fix becomes accepted and routable, or a duplicate
   * if its dedupeKey is already accepted. A request not rejected keeps its verdict, which is
   * returned. NotFoundError if the source has no such request.
   */
  acceptRejectedInboundRequest(sourceId: string, requestId: string, dedupeKey: string | null, now: number): Promise<InboundVerdict>;
  /** Drops the bodies of rejected requests received before `olderThan`; returns how many. */
  purgeRejectedInboundBodies(olderThan: number): Promise<number>;

  /**
   * Rewrites every stored source config and token (current and retired) in one transaction,
   * storing only those that changed; returns how many changed. Used to seal them again under a new key.
   */
  rewriteSourceSecrets(rewrite: { config: (stored: SourceConfig) => SourceConfig; token: (stored: string) => string }): Promise<number>;
}
