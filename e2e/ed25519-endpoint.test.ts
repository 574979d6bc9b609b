import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Webhook } from 'standardwebhooks';
import { createVerifier, generateKeyPair, publicKeyOf, type WebhookEvent } from '@herald/receiver';
import { createWebhookHandler } from '@herald/receiver/fetch';
import { eventually, startReceiver, startTestHerald, type Receiver, type TestHerald } from '@herald/testing';

/** Herald signing with ed25519 per endpoint, checked by the receiver SDK on a real server. */
let herald: TestHerald;
let recorder: Receiver;
const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> => {
  const response = await fetch(herald.url + '/api/v1' + path, {
    method,
    headers: { authorization: `Bearer ${herald.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
};

before(async () => {
  herald = await startTestHerald();
  recorder = await startReceiver();
  assert.equal((await api('POST', '/app', { name: 'Shop', uid: 'shop' })).status, 201);
});
after(async () => {
  await herald.stop();
  await recorder.close();
});

test('an endpoint with a whsk_ secret gets v1a signatures that the SDK verifies with the whpk_ key the API shows', async () => {
  const pair = generateKeyPair();
  const events: WebhookEvent[] = [];
  const handler = createWebhookHandler({ secret: pair.publicKey, onEvent: (event) => void events.push(event) });
  const server: ServerType = await new Promise((resolve) => {
    const started = serve({ fetch: handler, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
    const endpoint = await api('POST', '/app/shop/endpoint', { url, secret: pair.privateKey });
    assert.equal(endpoint.status, 201);
    const shown = await api('GET', `/app/shop/endpoint/${endpoint.json.id}/secret`);
    assert.deepEqual(shown.json, { key: pair.publicKey });
    const message = await api('POST', '/app/shop/msg', { eventType: 'order.paid', payload: { type: 'order.paid', id: 'ord_1' } });
    assert.equal(message.status, 202);
    await eventually(() => events[0], 10_000, 'the delivery');
    assert.equal(events[0]!.id, message.json.id);
    assert.deepEqual(events[0]!.payload, { type: 'order.paid', id: 'ord_1' });
    const attempt = await eventually(async () => (await api('GET', `/app/shop/attempt/endpoint/${endpoint.json.id}`)).json.data[0],
      10_000, 'the recorded attempt');
    assert.equal(attempt.responseStatusCode, 200);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('rotating from whsec_ to whsk_ signs with both during the grace period, so old and new receivers verify', async () => {
  const oldSecret = 'whsec_' + Buffer.alloc(24, 5).toString('base64');
  const endpoint = await api('POST', '/app/shop/endpoint', { url: recorder.url, secret: oldSecret });
  const pair = generateKeyPair();
  assert.equal((await api('POST', `/app/shop/endpoint/${endpoint.json.id}/secret/rotate`, { key: pair.privateKey })).status, 204);
  assert.equal((await api('GET', `/app/shop/endpoint/${endpoint.json.id}/secret`)).json.key, publicKeyOf(pair.privateKey));
  await api('POST', '/app/shop/msg', { eventType: 'order.paid', payload: { type: 'order.paid', id: 'ord_2' } });
  const [delivery] = await recorder.waitFor(1);
  assert.deepEqual(delivery!.headers['webhook-signature']!.split(' ').map((entry) => entry.split(',')[0]), ['v1a', 'v1']);
  // The standardwebhooks package has no ed25519 support; it verifies the v1 signature of the old secret.
  assert.deepEqual(new Webhook(oldSecret).verify(delivery!.body, delivery!.headers), { type: 'order.paid', id: 'ord_2' });
  assert.equal(createVerifier(pair.publicKey)(delivery!.body, delivery!.headers).body, delivery!.body);
  assert.equal(createVerifier(oldSecret)(delivery!.body, delivery!.headers).body, delivery!.body);
});

test('a whsk_ secret of the wrong length is a 422, not a stored key', async () => {
  const response = await api('POST', '/app/shop/endpoint', { url: recorder.url, secret: 'whsk_' + Buffer.alloc(31).toString('base64') });
  assert.equal(response.status, 422);
});
