import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { startReceiver, startTestHerald, type Receiver, type TestHerald } from '@herald/testing';

describe('built-in ping (send-example with herald.ping)', () => {
  let herald: TestHerald;
  let pinged: Receiver;
  let bystander: Receiver;
  const call = async (path: string, method = 'GET', json?: unknown) => {
    const response = await fetch(herald.url + path, {
      method,
      headers: { authorization: `Bearer ${herald.token}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    return { status: response.status, body: (await response.json().catch(() => null)) as Record<string, unknown> };
  };

  before(async () => {
    herald = await startTestHerald();
    [pinged, bystander] = await Promise.all([startReceiver(), startReceiver()]);
  });
  after(async () => {
    await Promise.all([pinged.close(), bystander.close()]);
    await herald.stop();
  });

  test('herald.ping reaches only that endpoint, signed, without any event type named herald.ping, despite its filter', async () => {
    const appId = (await call('/api/v1/app', 'POST', { name: 'ping' })).body.id as string;
    assert.equal((await call('/api/v1/event-type', 'POST', { name: 'order.paid', description: 'paid' })).status, 201);
    assert.equal((await call('/api/v1/event-type/herald.ping')).status, 404, 'no such event type exists');
    const target = (await call(`/api/v1/app/${appId}/endpoint`, 'POST', { url: pinged.url, filterTypes: ['order.paid'] })).body;
    assert.equal((await call(`/api/v1/app/${appId}/endpoint`, 'POST', { url: bystander.url })).status, 201);

    const sentAfter = Date.now();
    const sent = await call(`/api/v1/app/${appId}/endpoint/${target.id as string}/send-example`, 'POST', { eventType: 'herald.ping' });
    assert.equal(sent.status, 200);
    assert.equal(sent.body.eventType, 'herald.ping');
    const [request] = await pinged.waitFor(1);
    const payload = JSON.parse(request!.body) as { type: string; endpointId: string; timestamp: string };
    assert.equal(payload.type, 'herald.ping');
    assert.equal(payload.endpointId, target.id);
    // Made by the server between the call and its arrival here: bounds from this machine's clock, no tolerance to guess.
    assert.match(payload.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'an ISO time');
    const stamped = Date.parse(payload.timestamp);
    assert.ok(stamped >= sentAfter && stamped <= Date.now(), `timestamp ${payload.timestamp} is the time of the ping`);
    assert.equal(request!.headers['webhook-id'], sent.body.id);
    const secret = (await call(`/api/v1/app/${appId}/endpoint/${target.id as string}/secret`)).body.key as string;
    assert.doesNotThrow(() => new Webhook(secret).verify(request!.body, request!.headers));

    const destinations = (await call(`/api/v1/app/${appId}/msg/${sent.body.id as string}/endpoint`)).body.data as Array<{ id: string }>;
    assert.deepEqual(destinations.map((endpoint) => endpoint.id), [target.id], 'the other endpoint of the application got no delivery');
    assert.equal(bystander.requests.length, 0);
  });
});
