// The bench's receiver process (bench/receiver-process.ts) and the questions the load generator asks it.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Receiver {
  child: ChildProcess;
  url: string;
  ask: <T>(type: string) => Promise<T>;
}

export interface ReceiverCount { received: number; distinct: number }
export interface SignatureCheck { verified: number; badSignatures: number; unsigned: number }

export function startReceiver(): Promise<Receiver> {
  const child = fork(fileURLToPath(new URL('../receiver-process.ts', import.meta.url)), { execArgv: ['--import', 'tsx'] });
  const ask = <T>(type: string) =>
    new Promise<T>((resolve) => {
      const onMessage = (message: { type: string }) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        resolve(message as T);
      };
      child.on('message', onMessage);
      child.send({ type });
    });
  return new Promise((resolve) => {
    child.once('message', (message: { port: number }) => resolve({ child, url: `http://127.0.0.1:${message.port}`, ask }));
  });
}

const now = () => performance.timeOrigin + performance.now();

/** Waits for `target` distinct (webhook-id, path) deliveries; returns when the last one was seen. */
export async function waitForDistinct(receiver: Receiver, target: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { distinct } = await receiver.ask<ReceiverCount>('count');
    if (distinct >= target) return now();
    if (Date.now() > deadline) throw new Error(`receiver got ${distinct} distinct deliveries of ${target} in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
