import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { generateSecret, newId, noOperationalEvents, type Endpoint } from '@herald/core';
import { DeliveryWorker, HttpSender } from '@herald/delivery';
import { newSourceToken, type InboundSource, type NewSource, type Store } from '@herald/storage';
import { SqliteStore } from '@herald/storage-sqlite';
import { tempDir } from '@herald/testing';
import { buildApi } from '../../src/app.ts';
import { MessageIngest } from '../../src/ingest.ts';
import { InboundRecorder } from '../../src/inbound/recorder.ts';
import { InboundRouter } from '../../src/inbound/router.ts';

export interface InboundHarness {
  url: string;
  store: Store;
  ingest: MessageIngest;
  router: InboundRouter;
  app: FastifyInstance;
  /** A source with a fresh token; its ingest URL is `${url}/in/${token}`. */
  source(type: string, config: Record<string, unknown>, overrides?: Partial<NewSource>): Promise<{ source: InboundSource; token: string; ingestUrl: string }>;
  /** An ingest endpoint of the source (an endpoint of its backing application) with a fresh secret. */
  endpoint(source: InboundSource, url: string, fields?: { filter?: unknown; forwardHeaders?: string[] | null; disabled?: boolean }): Promise<{ endpoint: Endpoint; secret: string }>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** Wraps the store the API sees (tests break it on purpose). */
  apiStore?: (store: Store) => Store;
  maxBodyBytes?: number;
  trustedProxies?: string[];
  /** Start the router loop (default true); tests that drive it themselves say false. */
  route?: boolean;
  /** The receive route's clock (rate limits, receivedAt); Date.now unless given. */
  clock?: () => number;
  /** A migrated store to use (closed at stop) instead of a fresh SQLite file. */
  store?: Store;
}

/**
 * Herald's inbound path in this process, as the server wires it in embedded mode, over a real
 * SQLite file: the API on a loopback port (the receive route and its recorder), the router, the
 * message ingest and a delivery worker sending to loopback receivers. Sources and endpoints are
 * made through the store (the management API is not this suite's subject).
 */
export async function startInboundHarness(options: HarnessOptions = {}): Promise<InboundHarness> {
  const dir = tempDir('herald-inbound-');
  let store: Store;
  if (options.store) store = options.store;
  else {
    const sqlite = new SqliteStore({ path: join(dir.path, 'herald.db'), synchronous: 'NORMAL' });
    await sqlite.migrate();
    store = sqlite;
  }
  const clock = Date.now;
  const logger = pino({ level: 'silent' });
  const sender = new HttpSender({ allowPrivateTargets: true, deadlineMs: 5_000 });
  const worker = new DeliveryWorker({
    store, sender, logger, pollIntervalMs: 50,
    policy: { retryScheduleMs: [1_000], failureWindowMs: 86_400_000, random: Math.random },
  });
  worker.start();
  const ingest = new MessageIngest({ store, clock, onCommitted: () => worker.wake() });
  const router = new InboundRouter({ store, ingest, clock, logger, idleMs: 50 });
  const apiStore = options.apiStore ? options.apiStore(store) : store;
  const apiClock = options.clock ?? clock;
  const recorder = new InboundRecorder({ store: apiStore, clock: apiClock, onAccepted: () => router.wake() });
  if (options.route !== false) router.start();
  let url = '';
  const app = buildApi({
    store: apiStore,
    ingest,
    clock: apiClock,
    adminTokenSha256: 'unused',
    maxBodyBytes: 1_048_576,
    checkUrl: (target) => ({ ok: true, url: new URL(target) }),
    operational: noOperationalEvents,
    queueChanged: () => worker.wake(),
    publicUrl: () => url,
    rateLimits: { management: null, ingest: null },
    storageHealthy: async () => true,
    inbound: { maxBodyBytes: options.maxBodyBytes ?? 1_048_576, trustedProxies: options.trustedProxies ?? [], recorder },
  }, logger);
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  return {
    url, store, ingest, router, app,
    async source(type, config, overrides = {}) {
      const token = `tok_${newId('src').slice(4)}${Math.random().toString(36).slice(2)}`;
      const source = await store.createSource({
        id: newId('src'), uid: null, name: `${type} source`, type, config, metadata: {}, appId: newId('app'),
        disabled: false, allowedCidrs: null, rateLimit: null, response: null, dedupe: null, ...overrides,
      }, newSourceToken(token), clock());
      return { source, token, ingestUrl: `${url}/in/${token}` };
    },
    async endpoint(source, target, fields = {}) {
      const secret = generateSecret();
      const endpoint = await store.createEndpoint({
        id: newId('ep'), appId: source.appId, uid: null, url: target, description: '', disabled: fields.disabled ?? false,
        eventTypes: null, channels: null, headers: {}, throttleRate: null, metadata: {}, version: 1, secret,
        filter: fields.filter ?? null, forwardHeaders: fields.forwardHeaders ?? null,
      }, clock());
      return { endpoint, secret };
    },
    async stop() {
      await app.close();
      await router.stop();
      const stopped = worker.stop();
      await sender.close();
      await stopped;
      await store.close();
      dir.remove();
    },
  };
}
