import pg from 'pg';
import { DELIVERIES_CHANNEL } from './queries/queue.ts';
import { sessionOptions } from './pool.ts';

const RECONNECT_MS = 1_000;

/**
 * Holds one connection that LISTENs for committed deliveries, so workers start at once instead of
 * at their next poll. Polling stays the guarantee: a notification lost while reconnecting only
 * delays work until the next poll.
 */
export function listenForDeliveries(
  options: { connectionString: string; schema?: string },
  onDue: () => void,
  onError: (error: unknown) => void,
): () => Promise<void> {
  let client: pg.Client | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async () => {
    const next = new pg.Client({
      connectionString: options.connectionString,
      ...sessionOptions(options),
    });
    next.on('notification', () => onDue());
    next.on('error', (error) => {
      onError(error);
      reconnect(next);
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${DELIVERIES_CHANNEL}`);
      if (stopped) await next.end();
      else {
        client = next;
        onDue(); // anything committed while not listening
      }
    } catch (error) {
      onError(error);
      reconnect(next);
    }
  };
  const reconnect = (broken: pg.Client) => {
    void broken.end().catch(() => undefined);
    if (client === broken) client = undefined;
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, RECONNECT_MS);
    retry.unref();
  };
  void connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => undefined);
  };
}
