import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import type { Consumed, QueueSuite } from './queue-destination-harness.ts';

/** Mosquitto's suite for the queue-destination harness. */
export const mqttSuite: QueueSuite = {
    name: 'mqtt',
    target: 'mqtt://127.0.0.1:1883',
    unreachableUrl: 'mqtt://127.0.0.1:1999?topic=herald/orders',
    unlistedUrl: 'mqtt://127.0.0.1:1884?topic=herald/orders',
    check: (consumed) => {
      assert.equal(consumed.headers['mqtt-qos'], '1');
      assert.equal(consumed.headers['mqtt-content-type'], 'application/json');
    },
    async destination(port = 1883) {
      // A topic of the test's own, subscribed at QoS 1 before anything is sent to it.
      const topic = `herald/test/${randomBytes(4).toString('hex')}`;
      const client = await mqtt.connectAsync('mqtt://127.0.0.1:1883', { protocolVersion: 5, reconnectPeriod: 0 });
      await client.subscribeAsync(topic, { qos: 1 });
      const waiting: Array<(message: Consumed) => void> = [];
      const arrived: Consumed[] = [];
      client.on('message', (_topic, payload, packet) => {
        const headers: Record<string, string> = {};
        for (const [key, value] of Object.entries(packet.properties?.userProperties ?? {})) headers[key] = String(value);
        headers['mqtt-qos'] = String(packet.qos);
        headers['mqtt-content-type'] = String(packet.properties?.contentType);
        const consumed = { headers, body: payload };
        const next = waiting.shift();
        if (next) next(consumed);
        else arrived.push(consumed);
      });
      return {
        url: `mqtt://127.0.0.1:${port}?topic=${topic}`,
        next: () => {
          const ready = arrived.shift();
          return ready ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
        },
        async cleanup() {
          await client.endAsync();
        },
      };
    },
};
