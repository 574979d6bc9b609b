// Starts the peer (bench/peer/main.ts) in its own process, with a key prefix of its own in Redis so
// that a bench leaves nothing behind and never meets another run's keys.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

export interface PeerProcess {
  child: ChildProcess;
  url: string;
  token: string;
  /** The Redis server's pid when it runs on this machine (its CPU is the peer's), else undefined. */
  redisPid: number | undefined;
  stop(): Promise<void>;
}

export async function startPeer(redisUrl: string, concurrency: number, nodeArgs: string[] = []): Promise<PeerProcess> {
  const token = `peer_${randomBytes(16).toString('hex')}`;
  const child = fork(fileURLToPath(new URL('./main.ts', import.meta.url)), {
    execArgv: [...nodeArgs, '--import', 'tsx'],
    env: { ...process.env, PEER_REDIS_URL: redisUrl, PEER_PREFIX: `bench-peer-${randomBytes(4).toString('hex')}`, PEER_TOKEN: token, PEER_CONCURRENCY: String(concurrency) },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { url: string }) => resolve(message.url));
    void exited.then(() => reject(new Error('the peer exited before it was ready')));
  });
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  const info = await redis.info('server');
  redis.disconnect();
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(redisUrl).hostname);
  return {
    child, url, token,
    redisPid: local && Number.isInteger(pid) ? pid : undefined,
    stop: async () => {
      child.send({ type: 'stop' });
      await exited;
    },
  };
}
