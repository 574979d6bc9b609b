import type { Context, Handler } from 'hono';
import { PayloadTooLargeError } from '../errors.ts';
import type { EventMap } from '../event.ts';
import { createWebhookProcessor, refusal, type ReceiverOptions } from './handle.ts';
import { readCapped, toResponse } from './fetch.ts';

/**
 * A Hono handler: `app.post('/webhooks', webhookHandler({...}))`. Reads the raw request's bytes;
 * if a middleware already read the body, Hono's cached copy is used (re-serialised JSON would then
 * not verify, which is the correct answer).
 */
export function webhookHandler<Events extends EventMap = EventMap>(options: ReceiverOptions<Events, Context>): Handler {
  const processor = createWebhookProcessor(options);
  return async (c) => {
    const body = c.req.raw.bodyUsed ? new Uint8Array(await c.req.arrayBuffer()) : await readCapped(c.req.raw, processor.maxBodyBytes);
    if (body instanceof PayloadTooLargeError) return toResponse(refusal(body));
    return toResponse(await processor.process(body, c.req.raw.headers, c));
  };
}
