import { Redis } from 'ioredis';
import { connectionKey, type BrokerAck, type BrokerMessage, type BrokerTransport } from './transport.ts';

/**
 * Redis Streams: redis://[user:pass@]host:port[/db]?stream=NAME[&maxlen=N]. Each message is one
 * XADD entry whose fields are the headers (webhook-id, webhook-timestamp, webhook-event-type,
 * webhook-signature, content-type, the endpoint's own) and then `body`, the payload byte for
 * byte; with maxlen the stream is trimmed to its newest N entries. The entry id Redis answers is
 * kept as the attempt's response. One client per server and credentials; ioredis reconnects on
 * its own after a restart, and commands sent meanwhile fail at once (no offline queue), so they
 * are failed attempts retried later, never sends that outlive their deadline.
 */
export class RedisStreamsTransport implements BrokerTransport {
  private readonly clients = new Map<string, Promise<Redis>>();

  constructor(private readonly connectTimeoutMs: number) {}

  async send(url: URL, message: BrokerMessage, _deadlineMs: number): Promise<BrokerAck> {
    const stream = url.searchParams.get('stream')!;
    const maxlen = url.searchParams.get('maxlen');
    const client = await this.clientFor(url);
    const fields: string[] = [];
    for (const name in message.headers) fields.push(name, message.headers[name]!);
    fields.push('body', message.body);
    const trim = maxlen === null ? [] : ['MAXLEN', maxlen];
    const id = await client.xadd(stream, ...trim, '*', ...fields);
    return { detail: `XADD ${stream} ${id ?? ''}`.trim() };
  }

  private clientFor(url: URL): Promise<Redis> {
    const key = connectionKey(url);
    let client = this.clients.get(key);
    if (!client) {
      client = this.open(url);
      this.clients.set(key, client);
      client.catch(() => this.clients.get(key) === client && this.clients.delete(key));
    }
    return client;
  }

  private async open(url: URL): Promise<Redis> {
    const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
    const client = new Redis({
      host: url.hostname,
      port: url.port === '' ? 6379 : Number(url.port),
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      db: Number.isInteger(db) ? db : 0,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: this.connectTimeoutMs,
      // Reconnect after a broker restart, at most once a second; sends in between fail fast.
      retryStrategy: (times) => Math.min(times * 100, 1_000),
    });
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      throw error;
    }
    return client;
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((client) => client.then((held) => held.quit(), () => {}).catch(() => {})));
  }
}
