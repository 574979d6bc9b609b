import type { Logger } from 'pino';
import { InboundRecorder, InboundRouter, type InboundOptions, type MessageIngest, type RecorderOptions } from '@herald/api';
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

  let purge: NodeJS.Timeout | undefined;
  if (parts.purge && config.inboundRejectedRetentionMs > 0) {
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
