import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import type { Consumed, QueueSuite } from './queue-destination-harness.ts';

const RABBIT = 'amqp://guest:guest@127.0.0.1:5672';

/** RabbitMQ's suite: a fresh direct exchange and exclusive queue per destination. */
export const amqpSuite: QueueSuite = {
    name: 'amqp',
    target: 'amqp://127.0.0.1:5672',
    unreachableUrl: 'amqp://guest:guest@127.0.0.1:5999/?exchange=herald&routingKey=k',
    unlistedUrl: 'amqp://guest:guest@127.0.0.1:5673/?exchange=herald&routingKey=k',
    check: (consumed, messageId) => {
      assert.equal(consumed.headers['amqp-message-id'], messageId);
      assert.equal(consumed.headers['amqp-delivery-mode'], '2', 'persistent');
      assert.equal(consumed.headers['amqp-type'], 'order.paid');
    },
    async destination(port = 5672) {
      // A fresh exchange and queue of the test's own, bound by a routing key, on the real broker.
      const name = `herald-test-${randomBytes(4).toString('hex')}`;
      const model = await amqp.connect(RABBIT);
      const channel = await model.createChannel();
      await channel.assertExchange(name, 'direct', { durable: false, autoDelete: false });
      const queue = await channel.assertQueue(name, { durable: false, exclusive: true });
      await channel.bindQueue(queue.queue, name, 'orders');
      const waiting: Array<(message: Consumed) => void> = [];
      const arrived: Consumed[] = [];
      await channel.consume(queue.queue, (message) => {
        if (!message) return;
        const headers: Record<string, string> = {};
        for (const [key, value] of Object.entries(message.properties.headers ?? {})) headers[key] = String(value);
        headers['amqp-message-id'] = String(message.properties.messageId);
        headers['amqp-delivery-mode'] = String(message.properties.deliveryMode);
        headers['amqp-type'] = String(message.properties.type);
        const consumed = { headers, body: message.content };
        const next = waiting.shift();
        if (next) next(consumed);
        else arrived.push(consumed);
      }, { noAck: true });
      return {
        url: `amqp://guest:guest@127.0.0.1:${port}/?exchange=${name}&routingKey=orders`,
        next: () => {
          const ready = arrived.shift();
          return ready ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
        },
        async cleanup() {
          await channel.deleteExchange(name).catch(() => {});
          await model.close().catch(() => {});
        },
      };
    },
};
