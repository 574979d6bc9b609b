// The peer as a process: what a Node developer would otherwise build for outbound webhooks —
// Fastify + BullMQ (Redis) + undici, Standard Webhooks signing, one job per endpoint, attempts kept.
// API and worker share this process, as Herald's embedded mode shares one. Started by
// bench/peer/run.ts over IPC; PEER_REDIS_URL, PEER_PREFIX, PEER_TOKEN, PEER_CONCURRENCY configure it.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_NAME, type DeliveryJob } from './delivery-job.ts';
import { EndpointDirectory } from './endpoints.ts';
import { buildService } from './service.ts';
import { startDeliveryWorker } from './worker.ts';

const redisUrl = process.env.PEER_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = process.env.PEER_PREFIX ?? 'peer';
const token = process.env.PEER_TOKEN;
const concurrency = Number(process.env.PEER_CONCURRENCY ?? 128);
if (token === undefined || token.length < 16) throw new Error('PEER_TOKEN must be set, at least 16 characters');

// Commands from concurrent requests go out together (one write per event-loop turn), as ioredis
// users enable for a busy API. The worker's connection must not give up on a blocking command.
const apiConnection = new Redis(redisUrl, { enableAutoPipelining: true, maxRetriesPerRequest: 3 });
const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const queue = new Queue<DeliveryJob>(QUEUE_NAME, {
  connection: apiConnection,
  prefix,
  defaultJobOptions: {
    // Herald's bench schedule (5s, 5m) is three attempts; exponential from 5 s is the BullMQ idiom.
    attempts: 3,
    backoff: { type: 'exponential', delay: 5_000 },
    // Completed jobs are the attempt log: keep a week of them; failed ones a month.
    removeOnComplete: { age: 7 * 24 * 3600 },
    removeOnFail: { age: 30 * 24 * 3600 },
  },
});
const directory = new EndpointDirectory(apiConnection, prefix);
const { worker, agent } = startDeliveryWorker({ connection: workerConnection, prefix, directory, concurrency });
const service = buildService({ token, queue, directory });
await worker.waitUntilReady();
const address = await service.listen({ host: '127.0.0.1', port: 0 });
process.send!({ type: 'ready', url: address });

process.on('message', async (message: { type: string }) => {
  if (message.type !== 'stop') return;
  await service.close();
  await worker.close();
  await agent.close();
  // The bench's keys go with it: the queue and the directory's hashes, all under this run's prefix.
  await queue.obliterate({ force: true });
  await queue.close();
  for (let cursor = '0'; ;) {
    const [next, keys] = await apiConnection.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) await apiConnection.del(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
  apiConnection.disconnect();
  workerConnection.disconnect();
  process.exit(0);
});
