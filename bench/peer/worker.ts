// The delivery side of the peer: a BullMQ Worker that signs and posts each job with undici over
// kept-alive connections, returns the attempt's record, and lets BullMQ retry a failure with
// exponential backoff.
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { Agent, request } from 'undici';
import { QUEUE_NAME, type AttemptRecord, type DeliveryJob } from './delivery-job.ts';
import { sign, type EndpointDirectory } from './endpoints.ts';

const TIMEOUT_MS = 15_000;
const RESPONSE_KEPT = 4_096;

export function startDeliveryWorker(options: { connection: Redis; prefix: string; directory: EndpointDirectory; concurrency: number }): { worker: Worker; agent: Agent } {
  const { connection, prefix, directory } = options;
  const agent = new Agent({ connections: options.concurrency, keepAliveTimeout: 60_000, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });

  const deliver = async (job: Job<DeliveryJob>): Promise<AttemptRecord> => {
    const { msgId, endpointId, body, timestamp } = job.data;
    const endpoint = directory.endpoint(endpointId);
    if (endpoint === undefined) throw new Error(`endpoint ${endpointId} is gone`);
    const started = performance.now();
    const at = Date.now();
    let attempt: AttemptRecord;
    try {
      const response = await request(endpoint.url, {
        method: 'POST',
        dispatcher: agent,
        body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'peer-webhooks/1.0',
          'webhook-id': msgId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': sign(endpoint.key, msgId, timestamp, body),
        },
      });
      const text = await response.body.text();
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      attempt = { at, status: ok ? 'success' : 'failure', responseStatusCode: response.statusCode, durationMs: performance.now() - started, response: text.slice(0, RESPONSE_KEPT) };
    } catch (error) {
      attempt = { at, status: 'failure', responseStatusCode: 0, durationMs: performance.now() - started, response: (error as Error).message };
    }
    if (attempt.status === 'success') return attempt;
    await connection.rpush(`${prefix}:attempts:${msgId}:${endpointId}`, JSON.stringify(attempt));
    throw new Error(`endpoint answered ${attempt.responseStatusCode}`);
  };

  const worker = new Worker<DeliveryJob, AttemptRecord>(QUEUE_NAME, deliver, { connection, prefix, concurrency: options.concurrency });
  return { worker, agent };
}
