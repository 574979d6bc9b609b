import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Consumed, QueueSuite } from './queue-destination-harness.ts';

/** Redis's suite for the queue-destination harness. */
export const redisSuite: QueueSuite = {
    name: 'redis',
    target: 'redis://127.0.0.1:6379',
    unreachableUrl: 'redis://127.0.0.1:6999/?stream=herald',
    unlistedUrl: 'redis://127.0.0.1:6380/?stream=herald',
    async destination(port = 6379) {
      const stream = `herald-test-${randomBytes(4).toString('hex')}`;
      const reader = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
      await reader.connect();
      let lastId = '0';
      return {
        url: `redis://127.0.0.1:${port}/?stream=${stream}&maxlen=5000`,
        async next(): Promise<Consumed> {
          // XREAD BLOCK: wait on the real stream for the next entry; fields come as a flat list of buffers.
          for (;;) {
            const answer = await reader.xreadBuffer('COUNT', 1, 'BLOCK', 10_000, 'STREAMS', stream, lastId);
            if (!answer) continue;
            const [id, fields] = answer[0]![1][0]!;
            lastId = id.toString();
            const headers: Record<string, string> = {};
            let body: Buffer = Buffer.alloc(0);
            for (let i = 0; i < fields.length; i += 2) {
              const name = fields[i]!.toString();
              if (name === 'body') body = fields[i + 1]!;
              else headers[name] = fields[i + 1]!.toString();
            }
            return { headers, body };
          }
        },
        async cleanup() {
          await reader.del(stream).catch(() => {});
          reader.disconnect();
        },
      };
    },
};
