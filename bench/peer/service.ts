// The API side of the peer: Fastify with JSON-schema validation, a bearer token, and a message route
// that adds one BullMQ job per endpoint in one round trip (addBulk) before its 202. Redis acknowledges
// from memory: the peer promises nothing across a Redis restart unless Redis is configured to persist.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Queue } from 'bullmq';
import type { DeliveryJob } from './delivery-job.ts';
import type { EndpointDirectory } from './endpoints.ts';

const appBody = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 256 } } } as const;
const endpointBody = {
  type: 'object', required: ['url', 'secret'],
  properties: { url: { type: 'string', pattern: '^https?://' }, secret: { type: 'string', pattern: '^whsec_[A-Za-z0-9+/=]{32,}$' } },
} as const;
const messageBody = {
  type: 'object', required: ['eventType', 'payload'],
  properties: { eventType: { type: 'string', minLength: 1, maxLength: 256 }, payload: { type: 'object' } },
} as const;

export function buildService(options: { token: string; queue: Queue<DeliveryJob>; directory: EndpointDirectory }): FastifyInstance {
  const { queue, directory } = options;
  const expected = Buffer.from(`Bearer ${options.token}`);
  const app = Fastify({ logger: false, bodyLimit: 1_048_576 });

  app.addHook('onRequest', async (request, reply) => {
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return reply.code(401).send({ detail: 'invalid token' });
  });

  app.post<{ Body: { name: string } }>('/api/v1/app', { schema: { body: appBody } }, async (request, reply) => {
    const id = await directory.createApp(request.body.name);
    return reply.code(201).send({ id, name: request.body.name });
  });

  app.post<{ Params: { app: string }; Body: { url: string; secret: string } }>('/api/v1/app/:app/endpoint', { schema: { body: endpointBody } }, async (request, reply) => {
    const endpoint = await directory.createEndpoint(request.params.app, request.body.url, request.body.secret);
    if (endpoint === undefined) return reply.code(404).send({ detail: 'no such application' });
    return reply.code(201).send({ id: endpoint.id, url: endpoint.url });
  });

  app.post<{ Params: { app: string }; Body: { eventType: string; payload: Record<string, unknown> } }>('/api/v1/app/:app/msg', { schema: { body: messageBody } }, async (request, reply) => {
    const endpoints = directory.endpointsOf(request.params.app);
    if (endpoints === undefined) return reply.code(404).send({ detail: 'no such application' });
    const msgId = `msg_${randomBytes(12).toString('base64url')}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const body = JSON.stringify(request.body.payload);
    if (endpoints.length > 0) {
      await queue.addBulk(endpoints.map((endpoint) => ({
        name: request.body.eventType,
        data: { msgId, endpointId: endpoint.id, eventType: request.body.eventType, body, timestamp },
        opts: { jobId: `${msgId}.${endpoint.id}` },
      })));
    }
    return reply.code(202).send({ id: msgId, eventType: request.body.eventType, timestamp: new Date(timestamp * 1000).toISOString() });
  });

  return app;
}
