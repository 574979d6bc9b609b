// Applications and endpoints, kept in Redis hashes and cached in this process's memory (the bench's
// endpoints never change while it runs, and a cache is what a careful developer would put in front
// of a lookup made on every message and every attempt).
import { createHmac, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface Endpoint {
  id: string;
  appId: string;
  url: string;
  /** The whsec_ secret's key bytes, decoded once. */
  key: Buffer;
}

export class EndpointDirectory {
  private readonly byApp = new Map<string, Endpoint[]>();
  private readonly byId = new Map<string, Endpoint>();

  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  async createApp(name: string): Promise<string> {
    const id = `app_${randomBytes(12).toString('base64url')}`;
    await this.redis.hset(`${this.prefix}:app:${id}`, { name });
    this.byApp.set(id, []);
    return id;
  }

  async createEndpoint(appId: string, url: string, secret: string): Promise<Endpoint | undefined> {
    if (!(await this.redis.exists(`${this.prefix}:app:${appId}`))) return undefined;
    const endpoint: Endpoint = { id: `ep_${randomBytes(12).toString('base64url')}`, appId, url, key: Buffer.from(secret.replace(/^whsec_/, ''), 'base64') };
    await this.redis.multi()
      .hset(`${this.prefix}:endpoint:${endpoint.id}`, { appId, url, secret })
      .sadd(`${this.prefix}:app:${appId}:endpoints`, endpoint.id)
      .exec();
    this.byApp.get(appId)?.push(endpoint) ?? this.byApp.set(appId, [endpoint]);
    this.byId.set(endpoint.id, endpoint);
    return endpoint;
  }

  /** The app's endpoints, or undefined for an unknown app. */
  endpointsOf(appId: string): Endpoint[] | undefined {
    return this.byApp.get(appId);
  }

  endpoint(id: string): Endpoint | undefined {
    return this.byId.get(id);
  }
}

/** Standard Webhooks: v1 is base64(HMAC-SHA256(key, "id.timestamp.body")). node:crypto, not the
 * pure-JS HMAC inside the `standardwebhooks` package, which costs several times as much. */
export function sign(key: Buffer, msgId: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${msgId}.${timestamp}.${body}`).digest('base64')}`;
}
