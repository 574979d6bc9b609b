import type { Context, Handler } from 'hono';
import type { EventMap } from '../event.ts';
import { createWebhookProcessor, type ReceiverOptions } from './handle.ts';
import { toResponse } from './fetch.ts';

/**
 * A Hono handler: `app.post('/webhooks', webhookHandler({...}))`. Reads the bytes through
 * `c.req.arrayBuffer()`, which Hono caches, so it works even after a middleware looked at the body.
 */
export function webhookHandler<Events extends EventMap = EventMap>(options: ReceiverOptions<Events, Context>): Handler {
  const processor = createWebhookProcessor(options);
  return async (c) => {
    const body = new Uint8Array(await c.req.arrayBuffer());
    return toResponse(await processor.process(body, c.req.raw.headers, c));
  };
}
