import mqtt, { type MqttClient } from 'mqtt';
import { connectionKey, type BrokerAck, type BrokerMessage, type BrokerTransport } from './transport.ts';

/**
 * MQTT 5: mqtt[s]://[user:pass@]host:port?topic=NAME. Published at QoS 1, so the attempt
 * succeeds on the broker's PUBACK; the headers travel as MQTT 5 user properties (webhook-id,
 * webhook-timestamp, webhook-signature, webhook-event-type) beside the content type, the body as
 * the payload byte for byte. One client per broker and credentials; it reconnects on its own
 * after a restart, and a send while it is disconnected fails at once (a failed attempt, retried
 * later) instead of waiting in mqtt.js's queue past the delivery's deadline.
 */
export class MqttTransport implements BrokerTransport {
  private readonly clients = new Map<string, Promise<MqttClient>>();

  constructor(private readonly connectTimeoutMs: number) {}

  async send(url: URL, message: BrokerMessage, _deadlineMs: number): Promise<BrokerAck> {
    const topic = url.searchParams.get('topic')!;
    const client = await this.clientFor(url);
    if (!client.connected) throw Object.assign(new Error(`not connected to the MQTT broker at ${url.host} (reconnecting)`), { code: 'ECONNREFUSED' });
    const { 'content-type': contentType, ...properties } = message.headers;
    await client.publishAsync(topic, Buffer.from(message.body, 'utf8'), {
      qos: 1,
      properties: { userProperties: properties, ...(contentType ? { contentType } : {}) },
    });
    return { detail: `PUBACK from ${url.host} for topic "${topic}"` };
  }

  private clientFor(url: URL): Promise<MqttClient> {
    const key = connectionKey(url);
    let client = this.clients.get(key);
    if (!client) {
      client = this.open(url);
      this.clients.set(key, client);
      client.catch(() => this.clients.get(key) === client && this.clients.delete(key));
    }
    return client;
  }

  private open(url: URL): Promise<MqttClient> {
    const client = mqtt.connect(`${url.protocol}//${url.host}`, {
      protocolVersion: 5,
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      connectTimeout: this.connectTimeoutMs,
      reconnectPeriod: 1_000,
      clean: true,
    });
    return new Promise((resolve, reject) => {
      const failed = (error?: Error) => {
        client.off('connect', connected);
        client.end(true);
        reject(error ?? Object.assign(new Error(`could not connect to the MQTT broker at ${url.host}`), { code: 'ECONNREFUSED' }));
      };
      const connected = () => {
        client.off('error', failed);
        client.off('close', onClose);
        // Later errors arrive while reconnecting; sends in between fail on `connected`.
        client.on('error', () => {});
        resolve(client);
      };
      const onClose = () => failed();
      client.once('connect', connected);
      client.once('error', failed);
      client.once('close', onClose);
    });
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((client) => client.then((held) => held.endAsync(), () => {}).catch(() => {})));
  }
}
