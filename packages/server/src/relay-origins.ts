import type { Logger } from 'pino';
import { relayOriginOf, type Sender } from '@herald/delivery';
import { listRelayOrigins, registerRelayOrigin, type PostgresStore } from '@herald/storage-postgres';

/** An API process renews its relay origin this often; one not renewed for FORGET_AFTER_MS is no longer trusted. */
const ANNOUNCE_EVERY_MS = 60_000;
const FORGET_AFTER_MS = 5 * ANNOUNCE_EVERY_MS;
/** Workers re-read the list this often, and at most this often again when a delivery names an unknown origin. */
const REFRESH_EVERY_MS = 30_000;
const REFRESH_AT_MOST_EVERY_MS = 1_000;

/**
 * PostgreSQL mode: `herald listen` with separate API and worker processes. A session lives on the
 * API process holding the CLI's WebSocket, and its temporary endpoint's URL is that process's relay
 * route. Each API process records its relay origin in the database; workers deliver to exactly
 * those origins (with the relay path) although they are private addresses, over plain HTTP, as
 * the process's own worker does with role all. Rejected alternative: carrying each delivery
 * through the database (a table and NOTIFY per request), which would need a row per delivery
 * and a second path for replies; the relay route already answers with the CLI's reply.
 */
export class RelayOrigins {
  /** Live: the sender reads it on every relay delivery (see OwnRelayTarget.registeredOrigins). */
  readonly known = new Set<string>();
  private refreshing: Promise<void> | undefined;
  private refreshedAt = 0;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly pool: PostgresStore['pool'], private readonly clock: () => number, private readonly logger: Logger) {}

  /** API processes: records this process's relay origin now and renews it while the process runs. */
  async announce(origin: string): Promise<void> {
    const normalized = new URL(origin).origin;
    const record = () => registerRelayOrigin(this.pool, normalized, this.clock());
    await record();
    this.timers.push(setInterval(() => void record().catch((error: unknown) =>
      this.logger.warn({ err: error }, 'could not renew this process\'s relay origin')), ANNOUNCE_EVERY_MS).unref());
  }

  /** Workers: keeps `known` current. */
  async follow(): Promise<void> {
    await this.refresh();
    this.timers.push(setInterval(() => void this.refresh(), REFRESH_EVERY_MS).unref());
  }

  /**
   * The sender, reading the list again before a delivery to a relay origin it does not know yet
   * (an API process started after this worker), instead of failing that attempt.
   */
  refreshingBeforeUnknownOrigins(sender: Sender): Sender {
    return {
      send: async (request) => {
        const origin = relayOriginOf(request.url);
        if (origin !== undefined && !this.known.has(origin) && this.clock() - this.refreshedAt >= REFRESH_AT_MOST_EVERY_MS) await this.refresh();
        return sender.send(request);
      },
    };
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
  }

  private refresh(): Promise<void> {
    this.refreshing ??= listRelayOrigins(this.pool, this.clock() - FORGET_AFTER_MS).then((origins) => {
      this.known.clear();
      for (const origin of origins) this.known.add(origin);
    }, (error: unknown) => this.logger.warn({ err: error }, 'could not read the relay origins of API processes')).finally(() => {
      this.refreshedAt = this.clock();
      this.refreshing = undefined;
    });
    return this.refreshing;
  }
}
