import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { DeliveryWorker, DispatchSender, type OwnRelayTarget } from '@herald/delivery';
import { SecretBox, type AuditEntry, type HeraldError, type OperationalEventSink } from '@herald/core';
import { withSecretEncryption, type NewInboundRequest, type NewMessage, type RecordedInboundRequest } from '@herald/storage';
import { SqliteStore } from '@herald/storage-sqlite';
import type { HeraldConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { OperationalWebhooks } from './operational-webhooks.ts';
import { resolveAdminToken } from './admin-token.ts';
import { DeliveryThread } from './delivery-thread/client.ts';
import { DeliverySupervisor } from './delivery-thread/supervisor.ts';
import { createIngest, ownRelayFor, senderOptions, startApi, workerLimits } from './api-wiring.ts';
import { resealSecrets, resolveEncryptionKeys } from './encryption-key.ts';
import { startPostgresHerald } from './start-postgres.ts';
import { startInbound } from './inbound-wiring.ts';
import { startTracing, type HeraldTracing } from './tracing/index.ts';

export interface RunningHerald {
  url: string;
  port: number;
  /** Set only on the first start without HERALD_ADMIN_TOKEN: show it to the operator once. */
  generatedAdminToken: string | undefined;
  stop(): Promise<void>;
}

/** Wires storage, API and delivery engine together in one process (embedded mode). */
export async function startHerald(config: HeraldConfig, logger: Logger = createLogger(config.logLevel)): Promise<RunningHerald> {
  if (config.databaseUrl) return startPostgresHerald(config, logger);
  const clock = Date.now;
  mkdirSync(config.dataDir, { recursive: true });
  const dbPath = join(config.dataDir, 'herald.db');
  const encryptionKeys = resolveEncryptionKeys(config.encryptionKeys, config.dataDir, logger);
  const box = SecretBox.fromBase64(encryptionKeys);
  const sqlite = new SqliteStore({ path: dbPath, synchronous: config.sqliteSynchronous });
  await sqlite.migrate();
  await resealSecrets(sqlite, box, logger).catch(async (error: unknown) => {
    await sqlite.close();
    throw error;
  });
  const store = withSecretEncryption(sqlite, box);
  if (!store.capabilities.concurrentWorkers) {
    // Embedded mode has one worker: any lease still held belongs to a previous run that crashed.
    const recovered = await store.expireAllLeases(clock());
    if (recovered > 0) logger.warn({ deliveries: recovered }, 'resuming deliveries that were in flight when Herald last stopped');
    // The same for inbound requests a router had claimed: routed again at once, under a new fence.
    const rerouted = await store.expireInboundLeases(clock());
    if (rerouted > 0) logger.warn({ inboundRequests: rerouted }, 'routing again the inbound requests that were being routed when Herald last stopped');
  }
  const adminToken = await resolveAdminToken(store, config.adminToken);
  const metrics = createMetrics(store, clock);
  const tracing = await startTracing(config.tracing, 'embedded');

  let delivery: DeliveryEngine | undefined;
  // Accepted messages are committed by the delivery engine, which takes their deliveries at once;
  // it wakes itself for any it had no room for.
  const ingest = createIngest(store, clock, metrics, () => undefined,
    (batch, now) => (delivery ? delivery.commitMessages(batch, now) : store.createMessages(batch, now)), tracing);
  const operational = new OperationalWebhooks(store, ingest, clock, logger.child({ component: 'operational-webhooks' }));
  await operational.configure(config.operationalWebhookUrls, config.operationalWebhookSecret);
  // `herald listen` deliveries go to Herald's own relay route, on the address it listens on.
  const ownRelay = ownRelayFor(config);
  delivery = startDelivery(config, store, dbPath, encryptionKeys, metrics, operational, logger, ownRelay, tracing);
  // With the delivery thread, inbound requests are committed and routed there (the one writer);
  // without it, here, their messages going through the ingest above to the in-thread worker.
  const recordInbound = delivery.recordInbound?.bind(delivery);
  const inbound = startInbound(config, {
    store, ingest, clock, logger, serveApi: true, route: !recordInbound, purge: true, counted: metrics.inboundRequest,
    ...(recordInbound ? { commit: recordInbound } : {}),
  });

  const api = await startApi(config, {
    store,
    ingest,
    clock,
    adminTokenSha256: adminToken.sha256,
    operational,
    metricsRegistry: metrics.registry,
    queueChanged: () => delivery?.wake(),
    ...(delivery.appendAuditEntries ? { appendAudit: delivery.appendAuditEntries.bind(delivery) } : {}),
    ownRelay,
    ...(inbound.options ? { inbound: inbound.options } : {}),
    ...(tracing ? { tracing } : {}),
  }, logger);
  logger.info({ port: api.port, host: config.host, dataDir: config.dataDir, allowPrivateTargets: config.allowPrivateTargets,
    tracing: tracing !== undefined }, 'herald is running');

  let stopping: Promise<void> | undefined;
  return {
    url: api.url,
    port: api.port,
    generatedAdminToken: adminToken.generated,
    stop: () => (stopping ??= (async () => {
      await api.stop();
      // The router before the delivery engine: its last messages are committed through that engine.
      await inbound.stop();
      await delivery.stop();
      await store.close();
      await tracing?.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'could not export the last spans'));
      logger.info('herald stopped');
    })()),
  };
}

interface DeliveryEngine {
  wake(): void;
  commitMessages(batch: NewMessage[], now: number): Promise<Array<HeraldError | null>>;
  /** Set when the engine writes on a connection of its own: audit rows then go through it too. */
  appendAuditEntries?(entries: AuditEntry[]): Promise<void>;
  /** Set when the engine records (and routes) inbound requests on its own connection. */
  recordInbound?(batch: NewInboundRequest[], now: number): Promise<Array<RecordedInboundRequest | HeraldError>>;
  stop(): Promise<void>;
}

/**
 * The delivery engine, on its own thread with its own connection to the database (the default, so
 * that the API and delivery each get a core; restarted if it dies), or in this thread.
 */
function startDelivery(
  config: HeraldConfig,
  store: SqliteStore,
  dbPath: string,
  encryptionKeys: string[],
  metrics: Pick<ReturnType<typeof createMetrics>, 'delivery' | 'deliveryThreadRestarted'>,
  operational: OperationalEventSink,
  logger: Logger,
  ownRelay: OwnRelayTarget,
  tracing: HeraldTracing | undefined,
): DeliveryEngine {
  const sending = senderOptions(config, ownRelay);
  if (config.deliveryThread) {
    const data = {
      dbPath,
      synchronous: config.sqliteSynchronous,
      encryptionKeys,
      logLevel: config.logLevel,
      sender: sending,
      senderThreads: config.senderThreads,
      retryScheduleMs: config.retryScheduleMs,
      failureWindowMs: config.disableAfterMs,
      maxInFlight: config.workerConcurrency,
      maxPerOrigin: config.originConcurrency,
      routeInbound: true,
      ...(config.tracing ? { tracing: config.tracing } : {}),
    };
    return new DeliverySupervisor({
      start: (exitedUnexpectedly) => new DeliveryThread(data,
        { metrics: metrics.delivery, operational, endpointsChanged: () => store.forgetCachedEndpoints(), exitedUnexpectedly }, logger),
      // The thread routed inbound requests too: what it held is handed back with its deliveries.
      recoverLeases: async () => (await store.expireAllLeases(Date.now())) + (await store.expireInboundLeases(Date.now())),
      logger,
      restarted: metrics.deliveryThreadRestarted,
    });
  }
  const sender = new DispatchSender(sending);
  const worker = new DeliveryWorker({
    store,
    sender,
    logger: logger.child({ component: 'delivery' }),
    ...workerLimits(config),
    metrics: metrics.delivery,
    operational,
    ...(tracing ? { tracing: tracing.deliveries } : {}),
  });
  worker.start();
  return {
    wake: () => worker.wake(),
    commitMessages: (batch, now) => worker.commitMessages(batch, now),
    async stop() {
      // Stop claiming at once; requests still waiting for their origin come back unsent and return
      // to the queue; those in flight finish within their deadline and are recorded.
      const stopped = worker.stop();
      await sender.close();
      await stopped;
    },
  };
}
