import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { CommitSignal, IDEMPOTENCY_TTL_MS, MessageIngest, buildApi, type ApiDeps, type ConnectionLimits, type CreditLease, type InboundOptions, type IngestOptions } from '@herald/api';
import { checkBrokerUrl, checkTargetUrl, ownRelayTarget, setOwnRelayPort, type HttpSenderOptions, type OwnRelayTarget } from '@herald/delivery';
import type { OperationalEventSink } from '@herald/core';
import type { Store } from '@herald/storage';
import type { HeraldConfig } from './config.ts';
import { createChallengeSender } from './challenge-sender.ts';
import { registerDashboard } from './dashboard-static.ts';
import type { HeraldTracing } from './tracing/index.ts';

/** What the API shares with the rest of its process. */
export interface ApiParts {
  store: Store;
  ingest: MessageIngest;
  clock: () => number;
  adminTokenSha256: string;
  operational: OperationalEventSink;
  metricsRegistry: Registry;
  /** Where audit rows are written, when not through the store (see ApiDeps). */
  appendAudit?: ApiDeps['appendAudit'];
  /** Wakes this process's delivery worker, if it has one. */
  queueChanged: () => void;
  /**
   * Set when `herald listen` sessions are served: their deliveries reach the relay route on this
   * process's own address, from this process's worker or (PostgreSQL mode) from workers of other
   * processes, which learn the address from the database (relay-origins.ts).
   */
  ownRelay?: OwnRelayTarget;
  /** The ingest URLs' settings and recorder (inbound-wiring.ts). */
  inbound?: InboundOptions;
  /** Set when tracing is on: a span for each request. */
  tracing?: HeraldTracing;
  /** Wakes long polls and streams on commits made by other processes (PostgreSQL mode). */
  commitSignal?: CommitSignal;
  /** PostgreSQL mode: rate-limit buckets shared by every API process. */
  sharedRateLimits?: CreditLease;
}

export interface RunningApi {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Group-commit ingest that counts each accepted message and wakes this process's delivery engine
 * (when it has one) right after the commit, instead of at its next poll. With `commit`, batches are
 * committed through it instead of the store (embedded mode's delivery engine takes them).
 */
export function createIngest(store: Store, clock: () => number, metrics: { messageAccepted(): void }, wake: () => void,
  commit?: IngestOptions['commit'], tracing?: HeraldTracing): MessageIngest {
  return new MessageIngest({
    store,
    clock,
    ...(commit ? { commit } : {}),
    ...(tracing ? { tracing: tracing.messages } : {}),
    onCommitted: (accepted) => {
      for (let i = 0; i < accepted; i++) metrics.messageAccepted();
      wake();
    },
  });
}

/** Slow-client deadlines and the per-address cap, for every HTTP server Herald opens. */
export function connectionLimitsOf(config: HeraldConfig): ConnectionLimits {
  return {
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    maxConnectionsPerClient: config.maxConnectionsPerClient,
    trustedProxies: config.trustedProxies,
  };
}

/** The address other parts of this process reach its HTTP server on. */
export function loopbackHost(config: HeraldConfig): string {
  return config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
}

/** Herald's own relay route on this process's address; its port is set once the API listens. */
export function ownRelayFor(config: HeraldConfig): OwnRelayTarget {
  return ownRelayTarget(config.relayHost ?? loopbackHost(config));
}

/** How deliveries are sent, the same in every mode and role. */
export function senderOptions(config: HeraldConfig, ownRelay: OwnRelayTarget | undefined): HttpSenderOptions {
  return {
    ownRelay,
    allowPrivateTargets: config.allowPrivateTargets,
    privateTargets: config.privateTargets,
    brokerTargets: config.brokerTargets,
    httpsOnly: config.httpsOnly,
    connectTimeoutMs: config.connectTimeoutMs,
    deadlineMs: config.deliveryDeadlineMs,
    maxResponseBytes: config.maxResponseBytes,
    connectionsPerOrigin: config.originConcurrency,
  };
}

/** What a delivery worker takes from the configuration, in either mode. */
export function workerLimits(config: HeraldConfig) {
  return {
    policy: { retryScheduleMs: config.retryScheduleMs, failureWindowMs: config.disableAfterMs, random: Math.random },
    maxInFlight: config.workerConcurrency,
    maxPerOrigin: config.originConcurrency,
  };
}

/**
 * The HTTP API with everything around it, the same in embedded and PostgreSQL mode: the
 * verification challenge's sender, /metrics, the dashboard, the listen relay, and the sweep of
 * expired idempotency keys. Listens before returning.
 */
export async function startApi(config: HeraldConfig, parts: ApiParts, logger: Logger): Promise<RunningApi> {
  const challengeSender = createChallengeSender(config);
  let listeningUrl = '';
  const api = buildApi({
    store: parts.store,
    ingest: parts.ingest,
    clock: parts.clock,
    adminTokenSha256: parts.adminTokenSha256,
    ...(parts.appendAudit ? { appendAudit: parts.appendAudit } : {}),
    maxBodyBytes: config.maxBodyBytes,
    checkUrl: (url) => checkTargetUrl(url, { allowPrivateTargets: config.allowPrivateTargets, privateTargets: config.privateTargets, httpsOnly: config.httpsOnly }),
    checkBrokerUrl: (url) => checkBrokerUrl(url, config.brokerTargets),
    operational: parts.operational,
    queueChanged: parts.queueChanged,
    publicUrl: () => config.publicUrl ?? listeningUrl,
    rateLimits: config.rateLimits,
    connectionLimits: connectionLimitsOf(config),
    ...(parts.sharedRateLimits ? { sharedRateLimits: parts.sharedRateLimits } : {}),
    storageHealthy: async () => (await parts.store.getSetting('admin_token_sha256').then(() => true, () => false)),
    sendChallenge: challengeSender.send,
    relay: parts.ownRelay && { host: parts.ownRelay.host, replyDeadlineMs: Math.max(1_000, config.deliveryDeadlineMs - 1_000) },
    ...(parts.inbound ? { inbound: parts.inbound } : {}),
    ...(parts.tracing ? { tracing: parts.tracing.requests } : {}),
    ...(parts.commitSignal ? { commitSignal: parts.commitSignal } : {}),
  }, logger);
  api.get('/metrics', async (_request, reply) =>
    reply.type(parts.metricsRegistry.contentType).send(await parts.metricsRegistry.metrics()));
  registerDashboard(api, { portalFrameAncestors: config.portalFrameAncestors });

  await api.listen({ port: config.port, host: config.host });
  const address = api.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  listeningUrl = `http://${loopbackHost(config)}:${port}`;
  if (parts.ownRelay) setOwnRelayPort(parts.ownRelay, port);
  // Idempotency keys are honoured for 24 hours; older ones are swept out once an hour.
  const sweeper = setInterval(() => {
    parts.store.purgeIdempotency(parts.clock() - IDEMPOTENCY_TTL_MS).catch((error: unknown) =>
      logger.warn({ err: error }, 'could not purge old idempotency keys'));
  }, 3_600_000);
  sweeper.unref();

  return {
    url: listeningUrl,
    port,
    async stop() {
      clearInterval(sweeper);
      await api.close();
      await challengeSender.close();
    },
  };
}
