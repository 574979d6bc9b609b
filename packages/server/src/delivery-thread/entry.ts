// The delivery thread: the claim -> sign -> send -> record loop, with its own connection to the
// SQLite file, so that in embedded mode the API keeps its thread to itself; HTTP goes out from a
// further sender thread, so that bookkeeping and sending overlap. It reports
// metrics, operational events and endpoint changes to the main thread, which owns those.
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { DeliveryWorker, RoundRobinSender } from '@herald/delivery';
import { InboundRouter, MessageIngest } from '@herald/api';
import { HeraldError, SecretBox } from '@herald/core';
import { withSecretEncryption, type NewInboundRequest, type Store } from '@herald/storage';
import { SqliteStore } from '@herald/storage-sqlite';
import { toWireError, type DeliveryThreadData, type FromDeliveryThread, type ToDeliveryThread } from './protocol.ts';
import { startTracing } from '../tracing/index.ts';

const data = workerData as DeliveryThreadData;
const port = parentPort!;
const post = (message: FromDeliveryThread) => port.postMessage(message);

// Every accepted message is committed here, so this connection is the only one writing the hot
// tables and the API's thread never waits on a lock or an fsync. Queue bookkeeping still skips the
// fsync (see SqliteStore): a claim or result lost to a power cut means a delivery is sent again.
const sqlite = new SqliteStore({ path: data.dbPath, synchronous: data.synchronous, onEndpointsChanged: () => post({ type: 'endpoints-changed' }) });
const store = withSecretEncryption(sqlite, SecretBox.fromBase64(data.encryptionKeys));
const logger = pino({ level: data.logLevel, base: { service: 'herald' } });
const sender = new RoundRobinSender(data.sender, data.senderThreads);
// Its own tracer: a thread shares no OpenTelemetry state with the main thread. Messages carry the
// traceparent of the span that accepted them, so attempts made here still join those traces.
const tracing = await startTracing(data.tracing ?? null, 'delivery-thread');

let metrics: Extract<FromDeliveryThread, { type: 'metrics' }> = { type: 'metrics', attempts: [], delivered: [], stale: 0 };
const flushMetrics = setInterval(() => {
  if (metrics.attempts.length === 0 && metrics.stale === 0) return;
  post(metrics);
  metrics = { type: 'metrics', attempts: [], delivered: [], stale: 0 };
}, 250);

const worker = new DeliveryWorker({
  store,
  sender,
  logger: logger.child({ component: 'delivery' }),
  policy: { retryScheduleMs: data.retryScheduleMs, failureWindowMs: data.failureWindowMs, random: Math.random },
  maxInFlight: data.maxInFlight,
  maxPerOrigin: data.maxPerOrigin,
  metrics: {
    attemptFinished: (outcome, ms) => metrics.attempts.push([outcome, ms]),
    deliveredAfter: (ms) => metrics.delivered.push(ms),
    staleResultDiscarded: () => metrics.stale++,
  },
  operational: { publish: async (event) => post({ type: 'event', event }) },
  ...(tracing ? { tracing: tracing.deliveries } : {}),
});
worker.start();

// Inbound requests are recorded and routed here as well: the router's claims, messages and
// completions are writes, and its messages go straight to this worker. Endpoints (their filters)
// are changed through the main thread's connection, so each batch reads them afresh.
const router = data.routeInbound
  ? new InboundRouter({
    store,
    ingest: new MessageIngest({
      store, clock: Date.now, commit: (batch, now) => worker.commitMessages(batch, now), ...(tracing ? { tracing: tracing.messages } : {}),
    }),
    clock: Date.now,
    logger: logger.child({ component: 'inbound' }),
    beforeBatch: () => sqlite.forgetCachedEndpoints(),
  })
  : undefined;
router?.start();

/** Structured cloning turns a Buffer into a plain Uint8Array; the store wants Buffers. */
const asBuffer = (bytes: Uint8Array | null) => bytes && Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function recordInbound(batch: NewInboundRequest[], now: number) {
  return (store as Store).recordInboundRequests(batch.map((request) => ({ ...request, body: asBuffer(request.body) })), now).then((results) => {
    if (results.some((result) => !(result instanceof HeraldError) && result.verdict === 'accepted')) router?.wake();
    return results.map((result) => (result instanceof HeraldError ? { error: toWireError(result)! } : { recorded: result }));
  });
}

port.on('message', (message: ToDeliveryThread) => {
  if (typeof message === 'object') {
    const { id } = message;
    const written = message.type === 'commit'
      ? worker.commitMessages(message.batch, message.now).then((results) => post({ type: 'committed', id, results: results.map(toWireError) }))
      : message.type === 'record-inbound'
        ? recordInbound(message.batch, message.now).then((results) => post({ type: 'recorded', id, results }))
        : store.appendAuditEntries(message.entries).then(() => post({ type: 'written', id }));
    written.catch((error: unknown) => post({ type: 'write-failed', id, reason: error instanceof Error ? error.message : String(error) }));
    return;
  }
  if (message === 'wake') worker.wake();
  if (message === 'stop') {
    void (async () => {
      // The router first: its last messages are committed through the worker.
      await router?.stop();
      const stopped = worker.stop();
      await sender.close();
      await stopped;
      await store.close();
      await tracing?.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'could not export the last spans'));
      clearInterval(flushMetrics);
      post(metrics);
      post({ type: 'stopped' });
      port.close();
    })();
  }
});
