import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { brokerAvailable } from '@herald/testing';
import { DispatchSender } from '../src/transports/dispatch-sender.ts';

const request = (url: string) => ({ url, headers: {}, body: '{"a":1}', eventType: 'order.paid', signing: { msgId: 'msg_1', secrets: [`whsec_${Buffer.alloc(24, 1).toString('base64')}`] } });

// Inside describe: a root-level after() runs only once the event loop is empty, which open broker
// connections never let it become.
describe('DispatchSender with broker URLs', () => {
  const sender = new DispatchSender({ allowPrivateTargets: false, brokerTargets: ['amqp://127.0.0.1:5672'], deadlineMs: 5_000 });
  after(() => sender.close());

  test('a broker taken off HERALD_BROKER_TARGETS since the endpoint was saved is refused at send time', async () => {
    const result = await sender.send(request('amqp://127.0.0.1:5673/?exchange=x'));
    assert.equal(result.kind, 'error');
    assert.equal((result as { reason: string }).reason, 'blocked-address');
    assert.match((result as { message: string }).message, /HERALD_BROKER_TARGETS/);
  });
});

if (await brokerAvailable('RabbitMQ', '127.0.0.1', 5672)) {
  describe('amqp transport against the real RabbitMQ', () => {
    const sender = new DispatchSender({ allowPrivateTargets: false, brokerTargets: ['amqp://127.0.0.1:5672'], deadlineMs: 5_000 });
    const exchange = `herald-test-${randomBytes(4).toString('hex')}`;
    let admin: ChannelModel;
    let channel: Channel;
    let queue: string;
    before(async () => {
      admin = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
      channel = await admin.createChannel();
      await channel.assertExchange(exchange, 'direct', { durable: false });
      queue = (await channel.assertQueue('', { exclusive: true })).queue;
      await channel.bindQueue(queue, exchange, 'bound');
    });
    after(async () => {
      await sender.close();
      await channel.deleteExchange(exchange).catch(() => {});
      await admin.close().catch(() => {});
    });

    test('a message no queue takes (returned as unroutable) is a failed attempt, not a silent drop', async () => {
      const result = await sender.send(request(`amqp://guest:guest@127.0.0.1:5672/?exchange=${exchange}&routingKey=nobody`));
      assert.equal(result.kind, 'error');
      assert.match((result as { message: string }).message, /no queue is bound/);
    });

    test('an exchange that does not exist fails the attempt, and the next send opens a fresh channel and succeeds', async () => {
      const missing = await sender.send(request(`amqp://guest:guest@127.0.0.1:5672/?exchange=${exchange}-missing&routingKey=bound`));
      assert.equal(missing.kind, 'error');
      assert.notEqual((missing as { reason: string }).reason, 'timeout', 'the channel error fails the publish at once');
      const delivered = await sender.send(request(`amqp://guest:guest@127.0.0.1:5672/?exchange=${exchange}&routingKey=bound`));
      assert.equal(delivered.kind, 'response', JSON.stringify(delivered));
      assert.equal((delivered as { status: number }).status, 202);
      const message = await channel.get(queue, { noAck: true });
      assert.ok(message, 'the broker holds the message');
      assert.equal(message.content.toString(), '{"a":1}');
      assert.equal(message.properties.headers?.['webhook-id'], 'msg_1');
    });
  });
}
