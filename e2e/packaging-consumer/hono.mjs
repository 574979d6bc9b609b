// Hono on @hono/node-server: prints "listening <port>", then "event <type> <id>" per webhook.
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { webhookHandler } from '@herald/receiver/hono';

const app = new Hono();
app.post('/webhooks', webhookHandler({
  secret: process.env.WEBHOOK_SECRET,
  onEvent: (event) => console.log(`event ${event.type} ${event.id}`),
}));
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => console.log(`listening ${info.port}`));
