import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { connectionKey, type BrokerAck, type BrokerMessage, type BrokerTransport } from './transport.ts';

/**
 * RabbitMQ (AMQP 0-9-1): amqp[s]://user:pass@host:port/vhost?exchange=NAME&routingKey=KEY.
 * Messages are persistent and mandatory on a confirm channel: an attempt succeeds only when the
 * broker acks it, and a message no queue would take (returned as unroutable) is a failure, not a
 * silent drop. One connection and confirm channel per broker and credentials; a closed one (broker
 * restart, channel error) is forgotten and the next send opens a new one.
 */
interface Link {
  model: ChannelModel;
  channel: ConfirmChannel;
  /** Message ids the broker returned as unroutable; their ack that follows is a failure. */
  returned: Set<string>;
}

export class AmqpTransport implements BrokerTransport {
  private readonly links = new Map<string, Promise<Link>>();
  private sequence = 0;

  constructor(private readonly connectTimeoutMs: number) {}

  async send(url: URL, message: BrokerMessage, _deadlineMs: number): Promise<BrokerAck> {
    const exchange = url.searchParams.get('exchange') ?? '';
    const routingKey = url.searchParams.get('routingKey') ?? '';
    const link = await this.linkFor(url);
    // Unique per publish: a returned message is matched to its own publish even when the same
    // webhook is sent twice at once.
    const messageId = `${message.headers['webhook-id'] ?? ''}.${this.sequence++}`;
    await new Promise<void>((resolve, reject) => {
      const published = link.channel.publish(exchange, routingKey, Buffer.from(message.body, 'utf8'), {
        persistent: true,
        mandatory: true,
        contentType: message.headers['content-type'],
        messageId: message.headers['webhook-id'],
        correlationId: messageId,
        type: message.headers['webhook-event-type'],
        headers: message.headers,
      }, (error) => {
        const unroutable = link.returned.delete(messageId);
        if (error) reject(new Error(`the broker refused the message (nack): ${String(error)}`));
        else if (unroutable) reject(new Error(`no queue is bound to exchange "${exchange}" with routing key "${routingKey}"; the broker returned the message`));
        else resolve();
      });
      // publish() returning false only asks to slow down; the confirm still comes.
      void published;
    });
    return { detail: `acked by ${url.host}: exchange "${exchange}", routing key "${routingKey}"` };
  }

  private linkFor(url: URL): Promise<Link> {
    const key = connectionKey(url);
    let link = this.links.get(key);
    if (!link) {
      link = this.open(url, key);
      this.links.set(key, link);
      // A failed connect is not kept: the next send tries again.
      link.catch(() => this.links.get(key) === link && this.links.delete(key));
    }
    return link;
  }

  private async open(url: URL, key: string): Promise<Link> {
    const target = `${url.protocol}//${url.username}:${url.password}@${url.host}${url.pathname}`;
    const model = await amqp.connect(url.username === '' ? `${url.protocol}//${url.host}${url.pathname}` : target, { timeout: this.connectTimeoutMs });
    const forget = () => {
      const current = this.links.get(key);
      if (current) void current.then((held) => held.model === model && this.links.delete(key), () => {});
    };
    // Errors are followed by 'close'; listening keeps them from being thrown.
    model.on('error', () => {});
    model.on('close', forget);
    let channel: ConfirmChannel;
    try {
      channel = await model.createConfirmChannel();
    } catch (error) {
      await model.close().catch(() => {});
      throw error;
    }
    const returned = new Set<string>();
    channel.on('return', (returnedMessage: { properties: { correlationId?: string } }) => {
      if (returnedMessage.properties.correlationId) returned.add(returnedMessage.properties.correlationId);
    });
    channel.on('error', () => {});
    // A channel error (an exchange that does not exist) closes the channel alone: drop the whole
    // link so the next send gets a fresh channel.
    channel.on('close', () => {
      forget();
      void model.close().catch(() => {});
    });
    return { model, channel, returned };
  }

  async close(): Promise<void> {
    const links = [...this.links.values()];
    this.links.clear();
    await Promise.all(links.map((link) => link.then((held) => held.model.close(), () => {}).catch(() => {})));
  }
}
