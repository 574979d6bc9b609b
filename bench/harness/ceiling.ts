// The raw ceiling: an undici Pool posting straight to the receiver requests shaped as deliveries are
// (the same payload, content-type, user-agent and Standard Webhooks headers, each signed), so the
// receiver does the same work per request as it does for Herald's or the peer's.
import { createHmac } from 'node:crypto';
import { Pool } from 'undici';
import { BENCH_ENDPOINT_SECRET, benchPayload } from './secret.ts';

const key = Buffer.from(BENCH_ENDPOINT_SECRET.slice('whsec_'.length), 'base64');
let run = 0;

export async function ceiling(receiverUrl: string, total: number, connections: number): Promise<number> {
  const pool = new Pool(receiverUrl, { connections, pipelining: 1 });
  const prefix = `ceiling_${++run}_`;
  let sent = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, async () => {
    while (sent < total) {
      const n = sent++;
      const id = `${prefix}${n}`;
      const body = JSON.stringify(benchPayload(n));
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
      const response = await pool.request({
        path: '/ceiling', method: 'POST', body,
        headers: { 'content-type': 'application/json', 'user-agent': 'Herald-bench', 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` },
      });
      await response.body.text();
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return total / seconds;
}
