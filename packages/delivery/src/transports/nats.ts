import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { connectionKey, type BrokerAck, type BrokerMessage, type BrokerTransport } from './transport.ts';

/**
 * NATS JetStream: nats://[user:pass@]host:port?subject=NAME, where a JetStream stream captures the
 * subject. The webhook id is the Nats-Msg-Id, so JetStream itself drops a resend it already holds
 * (within the stream's duplicate window); the attempt succeeds on the PubAck, a duplicate one
 * included. One connection per server and credentials; the client reconnects on its own after a
 * restart, and a connection that gives up for good is forgotten so the next send opens another.
 */
interface Link {
  connection: NatsConnection;
  stream: JetStreamClient;
}

export class NatsTransport implements BrokerTransport {
  private readonly links = new Map<string, Promise<Link>>();

  constructor(private readonly connectTimeoutMs: number) {}

  async send(url: URL, message: BrokerMessage, deadlineMs: number): Promise<BrokerAck> {
    const subject = url.searchParams.get('subject')!;
    const link = await this.linkFor(url);
    const carried = natsHeaders();
    for (const name in message.headers) carried.set(name, message.headers[name]!);
    const ack = await link.stream.publish(subject, Buffer.from(message.body, 'utf8'), {
      msgID: message.headers['webhook-id'] ?? '',
      headers: carried,
      timeout: deadlineMs,
    });
    return { detail: `PubAck from stream "${ack.stream}", sequence ${ack.seq}${ack.duplicate ? ' (a duplicate the stream already held)' : ''}` };
  }

  private linkFor(url: URL): Promise<Link> {
    const key = connectionKey(url);
    let link = this.links.get(key);
    if (!link) {
      link = this.open(url, key);
      this.links.set(key, link);
      link.catch(() => this.links.get(key) === link && this.links.delete(key));
    }
    return link;
  }

  private async open(url: URL, key: string): Promise<Link> {
    const connection = await connect({
      servers: url.host,
      ...(url.username ? { user: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { pass: decodeURIComponent(url.password) } : {}),
      timeout: this.connectTimeoutMs,
      // Keep reconnecting after a broker restart; sends meanwhile time out as failed attempts.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      name: 'herald',
    });
    void connection.closed().then(() => {
      const current = this.links.get(key);
      if (current) void current.then((held) => held.connection === connection && this.links.delete(key), () => {});
    });
    return { connection, stream: jetstream(connection) };
  }

  async close(): Promise<void> {
    const links = [...this.links.values()];
    this.links.clear();
    await Promise.all(links.map((link) => link.then((held) => held.connection.drain(), () => {}).catch(() => {})));
  }
}
