import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
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
import { webhookHeaders } from '@herald/receiver';

const secret = 'whsec_' + Buffer.alloc(24, 1).toString('base64');
const signed = (body: string) => ({ 'content-type': 'application/json', ...webhookHeaders(secret, { id: 'msg_x', timestamp: Math.floor(Date.now() / 1000), body }) });

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
  test('express: behind express.json() the bytes are gone, so the set-up mistake is a 500, not a verified guess', async () => {
    let calls = 0;
    const app = express();
    app.use(express.json());
    app.post('/webhooks', webhookMiddleware({ secret, onEvent: () => void calls++ }));
    const errors: Error[] = [];
    app.use((error: Error, _request: express.Request, response: express.Response, _next: express.NextFunction) => {
      errors.push(error);
      response.status(500).end();
    });
    const server = await new Promise<Server>((resolve) => { const started = app.listen(0, '127.0.0.1', () => resolve(started)); });
    try {
      const body = '{"type":"a"}';
      assert.equal((await fetch(urlOf(server), { method: 'POST', body, headers: signed(body) })).status, 500);
      assert.equal(calls, 0);
      assert.match(errors[0]!.message, /before express\.json\(\)/);
    } finally {
      await closing(server)();
    }
  });
});

describe('fastify', () => {
  receiverScenarios('fastify', async (options) => {
    const app = Fastify();
    await app.register(webhookPlugin(options));
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { url: urlOf(app.server), close: () => app.close() };
  });

  test('fastify: the plugin reads bytes only in its own context, and the other routes of the app still get parsed JSON', async () => {
    const app = Fastify();
    app.post('/echo', async (request) => ({ parsed: request.body }));
    await app.register(webhookPlugin({ secret, onEvent: () => {} }));
    try {
      const body = '{"type":"a"}';
      assert.equal((await app.inject({ method: 'POST', url: '/webhooks', payload: body, headers: signed(body) })).statusCode, 200);
      const echoed = await app.inject({ method: 'POST', url: '/echo', payload: body, headers: { 'content-type': 'application/json' } });
      assert.deepEqual(echoed.json(), { parsed: { type: 'a' } });
    } finally {
      await app.close();
    }
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

  test('fetch: a chunked body without a length is cut off at the limit, not read to its end', async () => {
    let pulls = 0;
    const endless = new ReadableStream<Uint8Array>({ pull: (controller) => { pulls++; controller.enqueue(new Uint8Array(1024)); } });
    const handler = createWebhookHandler({ secret, maxBodyBytes: 4096, onEvent: () => {} });
    const response = await handler(new Request('http://receiver.test/webhooks', { method: 'POST', body: endless, duplex: 'half' } as RequestInit));
    assert.equal(response.status, 413);
    assert.ok(pulls < 10);
  });
});
