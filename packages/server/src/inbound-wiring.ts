import type { Logger } from 'pino';
import { InboundRecorder, InboundRouter, type InboundOptions, type MessageIngest } from '@herald/api';
import type { Store } from '@herald/storage';
import type { HeraldConfig } from './config.ts';

const PURGE_EVERY_MS = 3_600_000;

/** The inbound gateway's parts in one process: what receives (API role) and what routes (worker role). */
export interface InboundParts {
  /** Given to the API (ApiParts.inbound); unset in a process that serves no API. */
  options: InboundOptions | undefined;
  stop(): Promise<void>;
}

/**
 * Wires the inbound gateway into a process. With the API, requests to /in/<token> are recorded
 * with group commit; with the worker role, the router turns accepted requests into messages (and
 * is woken at once by this process's own accepts; other processes' are found by its poll), and
 * the bodies of rejected requests are purged after HERALD_INBOUND_REJECTED_RETENTION.
 */
export function startInbound(config: HeraldConfig, parts: {
  store: Store;
  ingest: MessageIngest;
  clock: () => number;
  logger: Logger;
  serveApi: boolean;
  route: boolean;
  leaseMs?: number;
}): InboundParts {
  const { store, clock } = parts;
  const logger = parts.logger.child({ component: 'inbound' });
  const router = parts.route
    ? new InboundRouter({ store, ingest: parts.ingest, clock, logger, ...(parts.leaseMs ? { leaseMs: parts.leaseMs } : {}) })
    : undefined;
  router?.start();
  const recorder = parts.serveApi ? new InboundRecorder({ store, clock, onAccepted: () => router?.wake() }) : undefined;

  let purge: NodeJS.Timeout | undefined;
  if (parts.route && config.inboundRejectedRetentionMs > 0) {
    const pass = () => {
      store.purgeRejectedInboundBodies(clock() - config.inboundRejectedRetentionMs).then(
        (purged) => { if (purged > 0) logger.debug({ purged }, 'purged the bodies of rejected inbound requests past retention'); },
        (error: unknown) => logger.warn({ err: error }, 'could not purge rejected inbound bodies; trying again later'));
    };
    purge = setInterval(pass, Math.min(PURGE_EVERY_MS, config.inboundRejectedRetentionMs));
    purge.unref();
    setImmediate(pass);
  }

  return {
    options: recorder && { maxBodyBytes: config.inboundMaxBodyBytes, trustedProxies: config.trustedProxies, recorder },
    async stop() {
      clearInterval(purge);
      await router?.stop();
    },
  };
}
