import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { IDEMPOTENCY_TTL_MS, MessageIngest, buildApi } from '@herald/api';
import { DeliveryWorker, HttpSender, checkTargetUrl } from '@herald/delivery';
import { PostgresStore } from '@herald/storage-postgres';
import type { HeraldConfig } from './config.ts';
import { createMetrics } from './metrics.ts';
import { OperationalWebhooks } from './operational-webhooks.ts';
import { resolveAdminToken } from './admin-token.ts';
import { startRetention } from './retention.ts';
import type { RunningHerald } from './start.ts';

/**
 * PostgreSQL mode: any number of processes share one database, each in a role. `api` serves the
 * HTTP API; `worker` claims and sends deliveries (and serves /health and /metrics only); `all`
 * does both. Nothing is kept in memory between requests: other processes change the data.
 */
export async function startPostgresHerald(config: HeraldConfig, logger: Logger): Promise<RunningHerald> {
  const clock = Date.now;
  const store = new PostgresStore({
    connectionString: config.databaseUrl!,
    poolSize: config.databasePoolSize,
    endpointConcurrency: config.endpointConcurrency > 0 ? config.endpointConcurrency : null,
  });
  await store.migrate();
  const metrics = createMetrics(store, clock);
  const serveApi = config.role !== 'worker';
  const deliver = config.role !== 'api';

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
  // Only API processes reconcile the operator's endpoints; workers just find the application.
  if (serveApi) await operational.configure(config.operationalWebhookUrls, config.operationalWebhookSecret);
  else await operational.attach(config.operationalWebhookUrls);

  const stops: Array<() => Promise<void>> = [];
  if (deliver) {
    const sender = new HttpSender({
      allowPrivateTargets: config.allowPrivateTargets,
      connectTimeoutMs: config.connectTimeoutMs,
      deadlineMs: config.deliveryDeadlineMs,
      maxResponseBytes: config.maxResponseBytes,
      connectionsPerOrigin: config.originConcurrency,
    });
    const started = new DeliveryWorker({
      store,
      sender,
      logger: logger.child({ component: 'delivery' }),
      policy: { retryScheduleMs: config.retryScheduleMs, failureWindowMs: config.disableAfterMs, random: Math.random },
      maxInFlight: config.workerConcurrency,
      leaseMs: config.leaseMs,
      minClaimIntervalMs: 20,
      renewLeases: (leases, now) => store.renewLeases(leases, now),
      metrics: metrics.delivery,
      operational,
    });
    worker = started;
    started.start();
    const unlisten = store.listenForDeliveries(() => started.wake(),
      (error) => logger.warn({ err: error }, 'lost the notification connection; polling until it is back'));
    const retention = config.retentionMs > 0 ? startRetention(store, config.retentionMs, clock, logger) : undefined;
    stops.push(async () => {
      retention?.stop();
      await unlisten();
      const stopped = started.stop();
      await sender.close();
      await stopped;
    });
  }

  let port: number;
  let generatedAdminToken: string | undefined;
  if (serveApi) {
    const adminToken = await resolveAdminToken(store, config.adminToken);
    generatedAdminToken = adminToken.generated;
    const api = buildApi({
      store,
      ingest,
      clock,
      adminTokenSha256: adminToken.sha256,
      maxBodyBytes: config.maxBodyBytes,
      checkUrl: (target) => checkTargetUrl(target, { allowPrivateTargets: config.allowPrivateTargets }),
      operational,
      queueChanged: () => worker?.wake(),
      storageHealthy: async () => (await store.getSetting('admin_token_sha256').then(() => true, () => false)),
    }, logger);
    api.get('/metrics', async (_request, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
    await api.listen({ port: config.port, host: config.host });
    port = (api.server.address() as AddressInfo).port;
    const sweeper = setInterval(() => {
      store.purgeIdempotency(clock() - IDEMPOTENCY_TTL_MS).catch((error: unknown) =>
        logger.warn({ err: error }, 'could not purge old idempotency keys'));
    }, 3_600_000);
    sweeper.unref();
    stops.unshift(async () => {
      clearInterval(sweeper);
      await api.close();
    });
  } else {
    // A worker answers only what an orchestrator asks of it: is it alive, and its metrics.
    const server = createServer((request, response) => {
      if (request.url === '/metrics') {
        void metrics.registry.metrics().then((text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text));
      } else if (request.url === '/health') response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
    port = (server.address() as AddressInfo).port;
    stops.unshift(() => new Promise((resolve) => server.close(() => resolve())));
  }
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  logger.info({ port, host: config.host, role: config.role, retentionMs: config.retentionMs }, 'herald is running on PostgreSQL');

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    generatedAdminToken,
    stop: () => (stopping ??= (async () => {
      for (const stop of stops) await stop();
      await store.close();
      logger.info('herald stopped');
    })()),
  };
}
