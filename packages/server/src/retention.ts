import type { Logger } from 'pino';
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
