// A TypeScript consumer of every entry point, type-checked strictly against the installed tarball's
// declarations. Copied as consumer.mts and consumer.cts for `moduleResolution: node16` (the import
// and the require conditions), as consumer.ts for `bundler`.
import { createVerifier, MemoryDedupeStore, webhookHeaders, type WebhookEvent, type VerifiedWebhook } from '@herald/receiver';
import { webhookMiddleware } from '@herald/receiver/express';
import { webhookPlugin } from '@herald/receiver/fastify';
import { webhookHandler } from '@herald/receiver/hono';
import { createWebhookHandler } from '@herald/receiver/fetch';
import { RedisDedupeStore } from '@herald/receiver/dedupe/redis';
import { PostgresDedupeStore } from '@herald/receiver/dedupe/postgres';
import type { RequestHandler } from 'express';

type Events = { 'order.paid': { type: 'order.paid'; orderId: string } };
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const onEvent = (event: WebhookEvent<Events>): void => {
  if (event.type === 'order.paid') {
    const orderId: string = event.payload.orderId;
    void orderId;
  }
};
const verified: VerifiedWebhook = createVerifier(secret)('{}', webhookHeaders(secret, { id: 'msg_1', timestamp: 1, body: '{}' }));
const express: RequestHandler = webhookMiddleware<Events>({ secret, onEvent, dedupe: { store: new MemoryDedupeStore() } });
const handlers = [webhookPlugin<Events>({ secret, onEvent, path: '/webhooks' }), webhookHandler<Events>({ secret, onEvent })];
const fetchHandler: (request: Request) => Promise<Response> = createWebhookHandler<Events>({ secret, onEvent });
export const used = [verified, express, handlers, fetchHandler, RedisDedupeStore, PostgresDedupeStore];
