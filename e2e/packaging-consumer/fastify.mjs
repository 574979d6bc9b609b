// Fastify, imported (ES modules): prints "listening <port>", then "event <type> <id>" per webhook.
import Fastify from 'fastify';
import { webhookPlugin } from '@herald/receiver/fastify';

const app = Fastify();
await app.register(webhookPlugin({
  secret: process.env.WEBHOOK_SECRET,
  path: '/webhooks',
  onEvent: (event) => console.log(`event ${event.type} ${event.id}`),
}));
await app.listen({ port: 0, host: '127.0.0.1' });
console.log(`listening ${app.server.address().port}`);
