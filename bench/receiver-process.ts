// A loopback webhook receiver in its own process, so that it does not share a core's event loop
// with Herald or the load generator. It answers 200 at once and remembers when each (webhook-id, path)
// first arrived, so the bench counts distinct deliveries rather than requests (a retried or
// duplicated delivery would otherwise finish a run early). One request in VERIFY_EVERY has its
// Standard Webhooks signature checked against the bench's endpoint secret. The parent asks for counts
// and arrival times over IPC.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { BENCH_ENDPOINT_SECRET } from './harness/secret.ts';

// Sampled, not every request: verifying costs the receiver an HMAC and a body read, and the receiver
// shares the cores with what is measured.
const VERIFY_EVERY = 50;
const verifier = new Webhook(BENCH_ENDPOINT_SECRET);

const firstArrival = new Map<string, number>();
let received = 0;
let verified = 0;
let badSignatures = 0;
let unsigned = 0;

const server = createServer((request, response) => {
  const sampled = received % VERIFY_EVERY === 0;
  const chunks: Buffer[] = [];
  if (sampled) request.on('data', (chunk: Buffer) => chunks.push(chunk));
  else request.resume();
  request.on('end', () => {
    received++;
    const id = request.headers['webhook-id'];
    const key = `${id} ${request.url}`;
    if (typeof id === 'string' && !firstArrival.has(key)) firstArrival.set(key, performance.timeOrigin + performance.now());
    if (sampled) {
      if (typeof request.headers['webhook-signature'] !== 'string') unsigned++;
      else {
        try {
          verifier.verify(Buffer.concat(chunks), request.headers as Record<string, string>);
          verified++;
        } catch {
          badSignatures++;
        }
      }
    }
    response.writeHead(200, { 'content-length': '2' }).end('ok');
  });
});
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  process.send!({ type: 'ready', port: (server.address() as AddressInfo).port });
});

process.on('message', (message: { type: string }) => {
  if (message.type === 'count') process.send!({ type: 'count', received, distinct: firstArrival.size });
  if (message.type === 'signatures') process.send!({ type: 'signatures', verified, badSignatures, unsigned });
  if (message.type === 'arrivals') process.send!({ type: 'arrivals', arrivals: [...firstArrival] });
  if (message.type === 'reset') {
    received = 0;
    verified = 0;
    badSignatures = 0;
    unsigned = 0;
    firstArrival.clear();
    process.send!({ type: 'reset' });
  }
  if (message.type === 'stop') server.close(() => process.exit(0));
});
