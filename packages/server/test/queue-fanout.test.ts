import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { apiClient, brokerAvailable, startReceiver, startTestHerald, type Receiver, type TestHerald } from '@herald/testing';
import type { Consumed, Destination, QueueSuite } from './queue-destination-harness.ts';
import { amqpSuite } from './queue-amqp-suite.ts';
import { mqttSuite } from './queue-mqtt-suite.ts';
import { natsSuite } from './queue-nats-suite.ts';
import { redisSuite } from './queue-redis-suite.ts';

const brokers: Array<[QueueSuite, string, number]> = [
  [amqpSuite, 'RabbitMQ', 5672], [natsSuite, 'NATS', 4222], [redisSuite, 'Redis', 6379], [mqttSuite, 'Mosquitto', 1883],
];
let available = true;
for (const [, name, port] of brokers) available = (await brokerAvailable(name, '127.0.0.1', port)) && available;

const PAYLOAD = '{"order":  "o_1", "total": {"amount": 12500, "currency": "EUR"}, "note": "ünïcode ✓"}';

// Issue 13's done-when: one message fanned out to HTTP, RabbitMQ, NATS, Redis Streams and MQTT at
// once arrives in each, each copy verifiable with its endpoint's own secret.
describe('one message to HTTP and every broker at once', { skip: !available }, () => {
  let herald: TestHerald;
  let receiver: Receiver;
  const destinations: Destination[] = [];
  before(async () => {
    herald = await startTestHerald({ HERALD_BROKER_TARGETS: brokers.map(([suite]) => suite.target).join(',') });
    receiver = await startReceiver();
    for (const [suite] of brokers) destinations.push(await suite.destination());
  });
  after(async () => {
    for (const destination of destinations) await destination.cleanup();
    await receiver?.close();
    await herald?.stop();
  });

  test('each destination gets the message, signed with its endpoint\'s secret, the body byte for byte', async () => {
    const api = apiClient(herald.url, herald.token);
    const app = await api('POST', '/app', { name: 'fan-out' });
    const urls = [receiver.url, ...destinations.map((destination) => destination.url)];
    const secrets = urls.map((_, i) => `whsec_${Buffer.alloc(24, i + 1).toString('base64')}`);
    for (const [i, url] of urls.entries()) {
      const created = await api('POST', `/app/${app.body.id}/endpoint`, { url, secret: secrets[i] });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    const arriving = destinations.map((destination) => destination.next());
    const sent = await fetch(`${herald.url}/api/v1/app/${app.body.id}/msg`, {
      method: 'POST',
      headers: { authorization: `Bearer ${herald.token}`, 'content-type': 'application/json' },
      body: `{"eventType":"order.paid","payload":${PAYLOAD}}`,
    });
    assert.equal(sent.status, 202);
    const { id } = (await sent.json()) as { id: string };
    const [http] = await receiver.waitFor(1, 15_000);
    const copies: Consumed[] = [{ headers: http!.headers, body: Buffer.from(http!.body, 'utf8') }, ...(await Promise.all(arriving))];
    for (const [i, copy] of copies.entries()) {
      assert.equal(copy.headers['webhook-id'], id, urls[i]);
      assert.deepEqual(copy.body, Buffer.from(PAYLOAD, 'utf8'), urls[i]);
      const verified = new Webhook(secrets[i]!).verify(copy.body.toString('utf8'), {
        'webhook-id': copy.headers['webhook-id']!,
        'webhook-timestamp': copy.headers['webhook-timestamp']!,
        'webhook-signature': copy.headers['webhook-signature']!,
      });
      assert.deepEqual(verified, JSON.parse(PAYLOAD), urls[i]);
      // Another endpoint's secret does not verify it: each copy is signed for its own endpoint.
      assert.throws(() => new Webhook(secrets[(i + 1) % secrets.length]!).verify(copy.body.toString('utf8'), {
        'webhook-id': copy.headers['webhook-id']!,
        'webhook-timestamp': copy.headers['webhook-timestamp']!,
        'webhook-signature': copy.headers['webhook-signature']!,
      }), urls[i]);
    }
  });
});
