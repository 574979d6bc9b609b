import { newClaimToken } from './deduplicate.ts';
import type { ClaimResult, DedupeStore } from './store.ts';

/** The one command used; an ioredis client fits as is. For node-redis: `{ eval: (s, n, ...a) => client.eval(s, { keys: a.slice(0, n), arguments: a.slice(n) }) }`. */
export interface RedisEvalClient {
  eval(script: string, numberOfKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

// Each operation is one script, so it is atomic on the server. Values: "p:<token>" while a
// delivery is processed, "done" after.
const CLAIM = `
local value = redis.call('GET', KEYS[1])
if value == 'done' then return 'done' end
if value then return 'in-progress' end
redis.call('SET', KEYS[1], 'p:' .. ARGV[1], 'PX', ARGV[2])
return 'claimed'`;
const COMPLETE = `
if redis.call('GET', KEYS[1]) == 'p:' .. ARGV[1] then redis.call('SET', KEYS[1], 'done', 'PX', ARGV[2]) end
return 0`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == 'p:' .. ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0`;

export class RedisDedupeStore implements DedupeStore {
  constructor(private readonly client: RedisEvalClient, private readonly keyPrefix = 'webhook-dedupe:') {}

  async claim(id: string, leaseMs: number): Promise<ClaimResult> {
    const token = newClaimToken();
    const status = await this.client.eval(CLAIM, 1, this.keyPrefix + id, token, Math.max(1, Math.ceil(leaseMs)));
    if (status === 'claimed') return { status, token };
    return status === 'done' ? { status: 'done' } : { status: 'in-progress' };
  }

  async complete(id: string, token: string, retainMs: number): Promise<void> {
    await this.client.eval(COMPLETE, 1, this.keyPrefix + id, token, Math.max(1, Math.ceil(retainMs)));
  }

  async release(id: string, token: string): Promise<void> {
    await this.client.eval(RELEASE, 1, this.keyPrefix + id, token);
  }
}
