import type { Logger } from 'pino';
import { InboundRecorder, InboundRouter, type InboundOptions, type MessageIngest, type RecorderOptions } from '@herald/api';
import type { Store } from '@herald/storage';
import type { HeraldConfig } from './config.ts';
import { startRejectedBodyPurge } from './retention.ts';

/** The inbound gateway's parts in one process: what receives (API role) and what routes (worker role). */
export interface InboundParts {
  /** Given to the API (ApiParts.inbound); unset in a process that serves no API. */
  options: InboundOptions | undefined;
  stop(): Promise<void>;
}

/**
 * Wires the inbound gateway into a process. With the API, requests to /in/<token> are recorded
 * with group commit; with `route`, a router here turns accepted requests into messages (woken at
 * once by this process's own accepts; other processes' are found by its poll); with `purge`, the
 * bodies of rejected requests are purged after HERALD_INBOUND_REJECTED_RETENTION.
 */
export function startInbound(config: HeraldConfig, parts: {
  store: Store;
  ingest: MessageIngest;
  clock: () => number;
  logger: Logger;
  serveApi: boolean;
  /** Run a router in this thread. */
  route: boolean;
  /** Purge rejected bodies past retention from this process (one process per database is enough; more do no harm). */
  purge: boolean;
  leaseMs?: number;
  /** Commits recorded requests; the store unless given (embedded mode's delivery thread, which also routes). */
  commit?: RecorderOptions['commit'];
  /** Counts each request's verdict (herald_inbound_requests_total). */
  counted?: InboundOptions['counted'];
}): InboundParts {
  const { store, clock } = parts;
  const logger = parts.logger.child({ component: 'inbound' });
  const router = parts.route
    ? new InboundRouter({ store, ingest: parts.ingest, clock, logger, ...(parts.leaseMs ? { leaseMs: parts.leaseMs } : {}) })
    : undefined;
  router?.start();
  const recorder = parts.serveApi
    ? new InboundRecorder({ store, clock, onAccepted: () => router?.wake(), ...(parts.commit ? { commit: parts.commit } : {}) })
    : undefined;

  const purge = parts.purge && config.inboundRejectedRetentionMs > 0
    ? startRejectedBodyPurge(store, config.inboundRejectedRetentionMs, clock, logger)
    : undefined;

  return {
    options: recorder && {
      maxBodyBytes: config.inboundMaxBodyBytes, trustedProxies: config.trustedProxies, recorder,
      ...(parts.counted ? { counted: parts.counted } : {}),
    },
    async stop() {
      purge?.stop();
      await router?.stop();
    },
  };
}
