import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { DeliveryWorker, DispatchSender } from '@herald/delivery';
import { SecretBox } from '@herald/core';
import { withSecretEncryption } from '@herald/storage';
import { PostgresStore, leaseRateLimitCredit, purgeIdleRateLimitBuckets } from '@herald/storage-postgres';
import { CommitSignal, capConnectionsPerClient, serverOptionsFor } from '@herald/api';
import { ConfigError, type HeraldConfig } from './config.ts';
import { createMetrics } from './metrics.ts';
import { OperationalWebhooks } from './operational-webhooks.ts';
import { resolveAdminToken } from './admin-token.ts';
import { resealSecrets } from './encryption-key.ts';
import { startRetention } from './retention.ts';
import { connectionLimitsOf, createIngest, loopbackHost, ownRelayFor, senderOptions, startApi, workerLimits } from './api-wiring.ts';
import type { RunningHerald } from './start.ts';
import { startInbound } from './inbound-wiring.ts';
import { startTracing } from './tracing/index.ts';
import { RelayOrigins } from './relay-origins.ts';

const bracketed = (host: string) => (host.includes(':') ? `[${host}]` : host);

/**
 * PostgreSQL mode: any number of processes share one database, each in a role. `api` serves the
 * HTTP API; `worker` claims and sends deliveries (and serves /health and /metrics only); `all`
 * does both. Nothing is kept in memory between requests: other processes change the data.
 */
export async function startPostgresHerald(config: HeraldConfig, logger: Logger): Promise<RunningHerald> {
  // Every process must open the secrets every other one sealed, so the key cannot be generated
  // per machine as embedded mode does; and kept in the database it would protect nothing there.
  if (!config.encryptionKeys) {
    throw new ConfigError(['PostgreSQL mode needs HERALD_ENCRYPTION_KEY (the same on every Herald process) to seal endpoint secrets: ' +
      'make one with `openssl rand -base64 32`']);
  }
  const clock = Date.now;
  const postgres = new PostgresStore({
    connectionString: config.databaseUrl!,
    poolSize: config.databasePoolSize,
    endpointConcurrency: config.endpointConcurrency > 0 ? config.endpointConcurrency : null,
  });
  const box = SecretBox.fromBase64(config.encryptionKeys);
  try {
    await postgres.migrate();
    await resealSecrets(postgres, box, logger);
  } catch (error) {
    await postgres.close();
    throw error;
  }
  // API and worker alike see secrets only through this: sealed on the way in, opened on the way out.
  const store = withSecretEncryption(postgres, box);
  const metrics = createMetrics(store, clock);
  const tracing = await startTracing(config.tracing, config.role === 'all' ? 'all' : config.role);
  const serveApi = config.role !== 'worker';
  const deliver = config.role !== 'api';
  // `herald listen` sessions live on API processes; workers (here or in other processes) reach
  // them at the relay origins API processes register in the database (relay-origins.ts).
  const relayOrigins = new RelayOrigins(postgres.pool, clock, logger.child({ component: 'relay-origins' }));
  const ownRelay = { ...ownRelayFor(config), registeredOrigins: relayOrigins.known };

  let worker: DeliveryWorker | undefined;
  const ingest = createIngest(store, clock, metrics, () => worker?.wake(), undefined, tracing);
  const operational = new OperationalWebhooks(store, ingest, clock, logger.child({ component: 'operational-webhooks' }));
  // Only API processes reconcile the operator's endpoints; workers just find the application.
  if (serveApi) await operational.configure(config.operationalWebhookUrls, config.operationalWebhookSecret);
  else await operational.attach(config.operationalWebhookUrls);

  const stops: Array<() => Promise<void>> = [];
  // Any API process accepts inbound requests; any worker routes them.
  const inbound = startInbound(config, {
    store, ingest, clock, logger, serveApi, route: deliver, purge: deliver, leaseMs: config.leaseMs, counted: metrics.inboundRequest,
  });
  stops.push(() => inbound.stop());
  if (deliver) {
    const sender = new DispatchSender(senderOptions(config, ownRelay));
    await relayOrigins.follow();
    const started = new DeliveryWorker({
      store,
      sender: relayOrigins.refreshingBeforeUnknownOrigins(sender),
      logger: logger.child({ component: 'delivery' }),
      ...workerLimits(config),
      leaseMs: config.leaseMs,
      // Fewer, larger claims than one per notification suit a shared database; but a worker takes
      // at most one origin's share (HERALD_ORIGIN_CONCURRENCY, 64) per claim, so this interval
      // also caps what one worker can send to one origin: 64 per 5 ms.
      minClaimIntervalMs: 5,
      renewLeases: (leases, now) => store.renewLeases(leases, now),
      metrics: metrics.delivery,
      operational,
      ...(tracing ? { tracing: tracing.deliveries } : {}),
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
    // Every process's message commits notify (see insertMessages): long polls and streams of polling
    // endpoints here wake on them, not only on this process's own ingest.
    const commitSignal = new CommitSignal();
    const unlistenCommits = store.listenForDeliveries(() => commitSignal.notify(),
      (error) => logger.warn({ err: error }, 'lost the notification connection; polling endpoints re-read every second until it is back'));
    stops.push(() => unlistenCommits());
    generatedAdminToken = adminToken.generated;
    const api = await startApi(config, {
      store,
      ingest,
      clock,
      adminTokenSha256: adminToken.sha256,
      operational,
      metricsRegistry: metrics.registry,
      queueChanged: () => worker?.wake(),
      ownRelay,
      ...(inbound.options ? { inbound: inbound.options } : {}),
      ...(tracing ? { tracing } : {}),
      commitSignal,
      sharedRateLimits: (key, bucket, want) => leaseRateLimitCredit(postgres.pool, key, bucket, want),
    }, logger);
    port = api.port;
    stops.unshift(() => api.stop());
    await relayOrigins.announce(`http://${bracketed(ownRelay.host)}:${port}`);
    // The shared rate-limit buckets of tokens no longer calling; any API process may do it.
    const bucketSweeper = setInterval(() => void purgeIdleRateLimitBuckets(postgres.pool).catch((error: unknown) =>
      logger.warn({ err: error }, 'could not purge idle rate-limit buckets')), 3_600_000).unref();
    stops.unshift(async () => clearInterval(bucketSweeper));
  } else {
    // A worker answers only what an orchestrator asks of it: is it alive, and its metrics.
    const limits = connectionLimitsOf(config);
    const { http: httpOptions, requestTimeout, keepAliveTimeout } = serverOptionsFor(limits);
    const server = createServer({ ...httpOptions, requestTimeout, keepAliveTimeout }, (request, response) => {
      if (request.url === '/metrics') {
        void metrics.registry.metrics().then((text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text));
      } else if (request.url === '/health') response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      else response.writeHead(404).end();
    });
    capConnectionsPerClient(server, limits);
    await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
    port = (server.address() as AddressInfo).port;
    stops.unshift(() => new Promise((resolve) => server.close(() => resolve())));
  }
  const url = `http://${loopbackHost(config)}:${port}`;
  logger.info({ port, host: config.host, role: config.role, retentionMs: config.retentionMs }, 'herald is running on PostgreSQL');

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    generatedAdminToken,
    stop: () => (stopping ??= (async () => {
      relayOrigins.stop();
      for (const stop of stops) await stop();
      await store.close();
      await tracing?.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'could not export the last spans'));
      logger.info('herald stopped');
    })()),
  };
}
