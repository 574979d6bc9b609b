import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { IDEMPOTENCY_TTL_MS, MessageIngest, buildApi } from '@herald/api';
import { DeliveryWorker, HttpSender, ThreadedSender, checkTargetUrl } from '@herald/delivery';
import { SqliteStore } from '@herald/storage-sqlite';
import type { HeraldConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { OperationalWebhooks } from './operational-webhooks.ts';
import { resolveAdminToken } from './admin-token.ts';

export interface RunningHerald {
  url: string;
  port: number;
  /** Set only on the first start without HERALD_ADMIN_TOKEN: show it to the operator once. */
  generatedAdminToken: string | undefined;
  stop(): Promise<void>;
}

/** Wires storage, API and delivery engine together in one process (embedded mode). */
export async function startHerald(config: HeraldConfig, logger: Logger = createLogger(config.logLevel)): Promise<RunningHerald> {
  const clock = Date.now;
  mkdirSync(config.dataDir, { recursive: true });
  const store = new SqliteStore({ path: join(config.dataDir, 'herald.db'), synchronous: config.sqliteSynchronous });
  await store.migrate();
  if (!store.capabilities.concurrentWorkers) {
    // Embedded mode has one worker: any lease still held belongs to a previous run that crashed.
    const recovered = await store.expireAllLeases(clock());
    if (recovered > 0) logger.warn({ deliveries: recovered }, 'resuming deliveries that were in flight when Herald last stopped');
  }
  const adminToken = await resolveAdminToken(store, config.adminToken);
  const metrics = createMetrics(store, clock);

  let worker: DeliveryWorker | undefined;
  const ingest = new MessageIngest({
    store,
    clock,
    onCommitted: (accepted) => {
      for (let i = 0; i < accepted; i++) metrics.messageAccepted();
      worker?.wake();
    },
  });
  const operational = new OperationalWebhooks(store, ingest, clock, logger.child({ component: 'operational-webhooks' }));
  await operational.configure(config.operationalWebhookUrls, config.operationalWebhookSecret);

  const senderOptions = {
    allowPrivateTargets: config.allowPrivateTargets,
    connectTimeoutMs: config.connectTimeoutMs,
    deadlineMs: config.deliveryDeadlineMs,
    maxResponseBytes: config.maxResponseBytes,
    connectionsPerOrigin: config.originConcurrency,
  };
  const sender = config.senderThread ? new ThreadedSender(senderOptions) : new HttpSender(senderOptions);
  worker = new DeliveryWorker({
    store,
    sender,
    logger: logger.child({ component: 'delivery' }),
    policy: { retryScheduleMs: config.retryScheduleMs, failureWindowMs: config.disableAfterMs, random: Math.random },
    maxInFlight: config.workerConcurrency,
    clock,
    metrics: metrics.delivery,
    operational,
  });

  const api = buildApi({
    store,
    ingest,
    clock,
    adminTokenSha256: adminToken.sha256,
    maxBodyBytes: config.maxBodyBytes,
    checkUrl: (url) => checkTargetUrl(url, { allowPrivateTargets: config.allowPrivateTargets }),
    operational,
    queueChanged: () => worker?.wake(),
    storageHealthy: async () => (await store.getSetting('admin_token_sha256').then(() => true, () => false)),
  }, logger);
  api.get('/metrics', async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));

  await api.listen({ port: config.port, host: config.host });
  const address = api.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  worker.start();
  // Idempotency keys are honoured for 24 hours; older ones are swept out once an hour.
  const sweeper = setInterval(() => {
    store.purgeIdempotency(clock() - IDEMPOTENCY_TTL_MS).catch((error: unknown) =>
      logger.warn({ err: error }, 'could not purge old idempotency keys'));
  }, 3_600_000);
  sweeper.unref();
  logger.info({ port, host: config.host, dataDir: config.dataDir, allowPrivateTargets: config.allowPrivateTargets }, 'herald is running');

  let stopping: Promise<void> | undefined;
  return {
    url: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`,
    port,
    generatedAdminToken: adminToken.generated,
    stop: () => (stopping ??= (async () => {
      clearInterval(sweeper);
      await api.close();
      // The worker stops claiming at once; requests still waiting for their origin come back unsent
      // and return to the queue; those in flight finish within their deadline and are recorded
      // before the store closes.
      const workerStopped = worker.stop();
      await sender.close();
      await workerStopped;
      await store.close();
      logger.info('herald stopped');
    })()),
  };
}
