import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { Consumed, QueueSuite } from './queue-destination-harness.ts';

/** NATS's suite for the queue-destination harness. */
export const natsSuite: QueueSuite = {
    name: 'nats',
    target: 'nats://127.0.0.1:4222',
    unreachableUrl: 'nats://127.0.0.1:4999?subject=herald.orders',
    unlistedUrl: 'nats://127.0.0.1:4223?subject=herald.orders',
    // JetStream de-duplicates on Nats-Msg-Id: it must be the webhook id, the same on every resend.
    check: (consumed, messageId) => assert.equal(consumed.headers['nats-msg-id'], messageId),
    async destination(port = 4222) {
      // A JetStream stream of the test's own, capturing one subject, on the real server.
      const name = `herald-test-${randomBytes(4).toString('hex')}`;
      const subject = `herald.test.${name}`;
      const connection = await connect({ servers: '127.0.0.1:4222' });
      const manager = await jetstreamManager(connection);
      await manager.streams.add({ name, subjects: [subject] });
      const consumer = await jetstream(connection).consumers.get(name);
      return {
        url: `nats://127.0.0.1:${port}?subject=${subject}`,
        async next(): Promise<Consumed> {
          for (;;) {
            const message = await consumer.next({ expires: 10_000 });
            if (!message) continue;
            const headers: Record<string, string> = {};
            for (const [key, values] of message.headers ?? []) headers[key] = values[0] ?? '';
            headers['nats-msg-id'] = message.headers?.get('Nats-Msg-Id') ?? '';
            return { headers, body: Buffer.from(message.data) };
          }
        },
        async cleanup() {
          await manager.streams.delete(name).catch(() => {});
          await connection.close();
        },
      };
    },
};
