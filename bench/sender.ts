// `npm run bench:sender`: the CPU one delivery request costs in Herald's HTTP client (HttpSender:
// URL policy, signing, deadline, capped read) beside raw undici, both posting the same body to a
// loopback receiver in another process, 64 requests at a time, in this one thread.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { HttpSender } from '@herald/delivery';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const CONCURRENCY = 64;

const receiver = fork(fileURLToPath(new URL('./receiver-process.ts', import.meta.url)), { execArgv: ['--import', 'tsx'] });
const port = await new Promise<number>((resolve) => receiver.once('message', (message: { port: number }) => resolve(message.port)));
const body = JSON.stringify({ type: 'bench', n: 0, padding: 'x'.repeat(64) });

async function measure(name: string, send: (n: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < REQUESTS) await send(next++);
  }));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const microseconds = (cpu.user + cpu.system) / REQUESTS;
  process.stdout.write(`${name.padEnd(12)} ${(REQUESTS / seconds).toFixed(0).padStart(7)} req/s  ${microseconds.toFixed(1).padStart(6)} µs CPU per request\n`);
}

const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY, pipelining: 1 });
const sender = new HttpSender({ allowPrivateTargets: true, connectionsPerOrigin: CONCURRENCY });
const secrets = [`whsec_${Buffer.alloc(24, 7).toString('base64')}`];
try {
  // The first round warms the JIT and the connections; the machine's speed drifts, so three rounds.
  for (let round = 1; round <= 3; round++) {
    process.stdout.write(`round ${round}\n`);
    await measure('raw undici', async () => {
      const response = await pool.request({ path: '/ceiling', method: 'POST', body, headers: { 'content-type': 'application/json' } });
      await response.body.text();
    });
    await measure('HttpSender', (n) => sender.send({ url: `http://127.0.0.1:${port}/ep0`, headers: {}, body, signing: { msgId: `msg_${n}`, secrets } }));
  }
} finally {
  await pool.close();
  await sender.close();
  receiver.send({ type: 'stop' });
}
