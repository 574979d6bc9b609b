import type { Logger } from 'pino';
import type { Store } from '@herald/storage';
import type { PostgresStore } from '@herald/storage-postgres';

const BATCH = 500;
const BETWEEN_BATCHES_MS = 50;

/**
 * Purges payloads and attempt bodies older than `retentionMs`, one small batch at a time with a
 * pause between, so delivery never waits on it; when a pass finds nothing left it rests a tenth of the retention (between a second and a minute).
 * Every worker runs it; SKIP LOCKED keeps them out of each other's way.
 */
export function startRetention(store: PostgresStore, retentionMs: number, clock: () => number, logger: Logger): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const idleMs = Math.min(60_000, Math.max(1_000, retentionMs / 10));
  const pass = async () => {
    let wait = idleMs;
    try {
      const purged = await store.purgeBodies(clock() - retentionMs, BATCH);
      if (purged.payloads + purged.responses > 0) {
        logger.debug(purged, 'purged bodies past retention');
        if (purged.payloads === BATCH || purged.responses === BATCH) wait = BETWEEN_BATCHES_MS;
      }
    } catch (error) {
      logger.warn({ err: error }, 'could not purge bodies past retention; trying again later');
    }
    if (!stopped) {
      timer = setTimeout(() => void pass(), wait);
      timer.unref();
    }
  };
  timer = setTimeout(() => void pass(), 1_000);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

const REJECTED_PURGE_EVERY_MS = 3_600_000;

/**
 * Drops the bodies of rejected inbound requests older than HERALD_INBOUND_REJECTED_RETENTION, at
 * start and then every hour (or every retention period, if shorter), in both modes: a rejected
 * request is kept to show an operator why a provider's deliveries fail, but its body may be anyone's
 * junk, and keeping it for ever would let strangers fill the disk through an ingest URL.
 */
export function startRejectedBodyPurge(store: Pick<Store, 'purgeRejectedInboundBodies'>, retentionMs: number, clock: () => number, logger: Logger): { stop(): void } {
  const pass = () => {
    store.purgeRejectedInboundBodies(clock() - retentionMs).then(
      (purged) => { if (purged > 0) logger.debug({ purged }, 'purged the bodies of rejected inbound requests past retention'); },
      (error: unknown) => logger.warn({ err: error }, 'could not purge rejected inbound bodies; trying again later'));
  };
  const timer = setInterval(pass, Math.min(REJECTED_PURGE_EVERY_MS, retentionMs));
  timer.unref();
  const first = setTimeout(pass, 0);
  first.unref();
  return {
    stop() {
      clearInterval(timer);
      clearTimeout(first);
    },
  };
}
