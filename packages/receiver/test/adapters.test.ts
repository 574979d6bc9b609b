import { describe } from 'node:test';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { webhookMiddleware } from '@herald/receiver/express';
import { webhookPlugin } from '@herald/receiver/fastify';
import { webhookHandler } from '@herald/receiver/hono';
import { createWebhookHandler } from '@herald/receiver/fetch';
import { receiverScenarios } from './adapter-scenarios.ts';

const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
const closing = (server: Server) => () => new Promise<void>((resolve) => {
  server.closeAllConnections();
  server.close(() => resolve());
});

describe('express', () => {
  receiverScenarios('express', async (options) => {
    const app = express();
    app.post('/webhooks', webhookMiddleware(options));
    // The app's own JSON parsing, for its other routes, mounted after the webhook route.
    app.use(express.json());
    const server = await new Promise<Server>((resolve) => { const started = app.listen(0, '127.0.0.1', () => resolve(started)); });
    return { url: urlOf(server), close: closing(server) };
  });
});

describe('fastify', () => {
  receiverScenarios('fastify', async (options) => {
    const app = Fastify();
    await app.register(webhookPlugin(options));
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { url: urlOf(app.server), close: () => app.close() };
  });
});

describe('hono', () => {
  receiverScenarios('hono', async (options) => {
    const app = new Hono();
    app.post('/webhooks', webhookHandler(options));
    const server = await new Promise<Server>((resolve) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started as Server));
    });
    return { url: urlOf(server), close: closing(server) };
  });
});

describe('fetch handler', () => {
  receiverScenarios('fetch', async (options) => {
    const server = await new Promise<Server>((resolve) => {
      const started = serve({ fetch: createWebhookHandler(options), port: 0, hostname: '127.0.0.1' }, () => resolve(started as Server));
    });
    return { url: urlOf(server), close: closing(server) };
  });
});
