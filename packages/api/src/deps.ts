import type { Application, AuditEntry, Endpoint, OperationalEventSink } from '@herald/core';
import { ConflictError, NotFoundError, newId } from '@herald/core';
import type { Store } from '@herald/storage';
import type { MessageIngest } from './ingest.ts';
import type { InboundOptions } from './inbound/receive-route.ts';
import type { RateLimit } from './rate-limit.ts';
import type { CreditLease } from './shared-rate-limit.ts';
import type { ConnectionLimits } from './connection-limits.ts';
import type { RelayOptions } from './relay/relay-routes.ts';
import type { RequestTracing } from './tracing.ts';
import type { CommitSignal } from './polling/commit-signal.ts';

export type UrlCheck = (url: string) => { ok: true; url: URL } | { ok: false; reason: string };

/** Sends one signed POST through the delivery engine's SSRF-safe sender; used by the verification challenge. */
export type ChallengeSender = (request: {
  url: string;
  headers: Record<string, string>;
  body: string;
  msgId: string;
  secrets: string[];
}) => Promise<{ status: number; body: string } | { error: string }>;

/** Everything the HTTP API needs, passed in by the composition root. */
export interface ApiDeps {
  store: Store;
  ingest: MessageIngest;
  clock: () => number;
  /**
   * Writes audit rows; store.appendAuditEntries unless given (embedded mode writes them where it
   * writes messages, on the delivery thread).
   */
  appendAudit?: (entries: AuditEntry[]) => Promise<void>;
  /** SHA-256 (hex) of the admin bearer token. */
  adminTokenSha256: string;
  maxBodyBytes: number;
  /** Endpoint URL policy (scheme, private addresses), applied at create and update. */
  checkUrl: UrlCheck;
  /**
   * Queue destinations (amqp, amqps, redis, nats, mqtt, mqtts URLs): the operator's HERALD_BROKER_TARGETS policy.
   * Without it, broker URLs fall to checkUrl, which refuses their scheme.
   */
  checkBrokerUrl?: UrlCheck;
  operational: OperationalEventSink;
  /** Tells an in-process worker that deliveries were queued outside ingest (resend, recover). */
  queueChanged: () => void;
  /** Herald's base URL as users reach it (HERALD_PUBLIC_URL, else the listening URL), for app-portal links. */
  publicUrl: () => string;
  /** Per-token request budgets; null turns one off. */
  rateLimits: { management: RateLimit | null; ingest: RateLimit | null };
  /** Deadlines for slow clients and the per-address connection cap; Fastify's defaults when unset. */
  connectionLimits?: ConnectionLimits;
  /** Set (PostgreSQL mode): the buckets are shared by every API process through this lease. */
  sharedRateLimits?: CreditLease;
  /** Reports whether storage answers; the health route turns false into 503. */
  storageHealthy: () => Promise<boolean>;
  /** The endpoint verification challenge's way out; without it, challenges answer 503. */
  sendChallenge?: ChallengeSender;
  /** Serves `herald listen` sessions and their relay route when set. */
  relay?: RelayOptions;
  /** The ingest URLs' settings (/in/<token>); unset: maxBodyBytes, no trusted proxies, a recorder over the store. */
  inbound?: InboundOptions;
  /** A span for each request when tracing is configured (OTEL_* variables); unset: none. */
  tracing?: RequestTracing;
  /** Wakes long polls and streams on commits this process's ingest does not see (PostgreSQL mode's LISTEN). */
  commitSignal?: CommitSignal;
}

export async function requireApp(deps: ApiDeps, idOrUid: string): Promise<Application> {
  const app = await deps.store.getApplication(idOrUid);
  if (!app) throw new NotFoundError('Application');
  return app;
}

export async function requireEndpoint(deps: ApiDeps, appIdOrUid: string, endpointIdOrUid: string): Promise<{ app: Application; endpoint: Endpoint }> {
  const app = await requireApp(deps, appIdOrUid);
  const endpoint = await deps.store.getEndpoint(app.id, endpointIdOrUid);
  if (!endpoint) throw new NotFoundError('Endpoint');
  return { app, endpoint };
}

/**
 * The application at this id or uid; if there is none and `create` is given, a new one with the
 * path id as its uid (Svix's inline `application`). A concurrent create of the same uid wins.
 */
export async function findOrCreateApp(
  deps: ApiDeps,
  idOrUid: string,
  create: { name: string; uid?: string | null; throttleRate: number | null; metadata: Record<string, string> } | null | undefined,
): Promise<Application | undefined> {
  const existing = await deps.store.getApplication(idOrUid);
  if (existing || !create) return existing;
  return deps.store.createApplication({
    id: newId('app'),
    uid: create.uid ?? idOrUid,
    name: create.name,
    throttleRate: create.throttleRate,
    metadata: create.metadata,
  }, deps.clock()).catch(async (error: unknown) => {
    if (error instanceof ConflictError) return deps.store.getApplication(idOrUid);
    throw error;
  });
}
