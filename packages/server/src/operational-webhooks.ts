import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { generateSecret, newId, newMessage, normaliseSecret, type OperationalEvent, type OperationalEventSink } from '@herald/core';
import type { MessageIngest } from '@herald/api';
import type { Store } from '@herald/storage';

export const OPERATIONAL_APP_UID = 'herald-operational';

/**
 * Operational webhooks travel through Herald itself: a reserved application whose endpoints are the
 * operator's configured URLs, so they get the same durability, signing and retries as any message.
 * Events about that application's own deliveries are dropped, so a broken operator URL cannot
 * feed on itself.
 */
export class OperationalWebhooks implements OperationalEventSink {
  private appId: string | undefined;

  constructor(
    private readonly store: Store,
    private readonly ingest: MessageIngest,
    private readonly clock: () => number,
    private readonly logger: Logger,
  ) {}

  /** Makes the reserved application's endpoints match the configured URLs. */
  async configure(urls: string[], secret: string | undefined): Promise<void> {
    if (urls.length === 0) {
      this.appId = undefined;
      return;
    }
    const now = this.clock();
    const app = (await this.store.getApplication(OPERATIONAL_APP_UID)) ??
      (await this.store.createApplication({ id: newId('app', now), uid: OPERATIONAL_APP_UID, name: 'Herald operational webhooks', throttleRate: null, metadata: {} }, now));
    this.appId = app.id;
    const existing = await this.store.allEndpoints(app.id);
    const wanted = new Map(urls.map((url) => [`op-${createHash('sha256').update(url).digest('hex').slice(0, 16)}`, url]));
    for (const endpoint of existing) {
      if (!endpoint.uid || !wanted.has(endpoint.uid)) await this.store.deleteEndpoint(app.id, endpoint.id);
    }
    for (const [uid, url] of wanted) {
      const found = existing.find((endpoint) => endpoint.uid === uid);
      const key = secret ? normaliseSecret(secret) : undefined;
      if (found) {
        if (found.disabled) await this.store.updateEndpoint(app.id, found.id, { disabled: false }, now);
        if (key && (await this.store.getEndpointSecrets(found.id, now))[0]?.key !== key) {
          await this.store.rotateEndpointSecret(found.id, key, 0, now);
        }
        continue;
      }
      await this.store.createEndpoint({
        id: newId('ep', now), appId: app.id, uid, url, description: 'Operator alerts', disabled: false, eventTypes: null,
        channels: null, headers: {}, throttleRate: null, metadata: {}, version: 1, secret: key ?? generateSecret(),
      }, now);
    }
    this.logger.info({ urls: urls.length }, 'operational webhooks configured');
  }

  /**
   * For a process that publishes but must not reconcile (a worker beside API processes that do):
   * finds the reserved application if operator URLs are configured.
   */
  async attach(urls: string[]): Promise<void> {
    this.appId = urls.length > 0 ? (await this.store.getApplication(OPERATIONAL_APP_UID))?.id : undefined;
  }

  async publish(event: OperationalEvent): Promise<void> {
    if (!this.appId || event.appId === this.appId) return;
    const now = this.clock();
    await this.ingest.submit(newMessage({
      appId: this.appId,
      eventType: event.type,
      payload: JSON.stringify({ type: event.type, timestamp: new Date(now).toISOString(), data: event.data }),
    }, now));
  }
}
