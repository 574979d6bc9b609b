// `npm run bench:store`: what the embedded store's hot path costs per message and per delivery,
// with no HTTP and no threads in the way: accept (with the ingest claim), record a successful
// attempt, and the claim of a backlog. Runs on a real SQLite file (synchronous=FULL, as Herald).
// BENCH_FANOUT (endpoints per message), BENCH_BATCH (messages per commit), BENCH_ROUNDS.
import { newId, MessageStatus, TriggerType, type Attempt } from '@herald/core';
import type { ClaimedDelivery, DeliveryResult, NewMessage } from '@herald/storage';
import { SqliteStore } from '@herald/storage-sqlite';
import { tempDir } from '@herald/testing';

const BATCH = Number(process.env.BENCH_BATCH ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 600);
const FANOUT = Number(process.env.BENCH_FANOUT ?? 1);

const dir = tempDir('herald-store-bench-');
const store = new SqliteStore({ path: `${dir.path}/herald.db`, synchronous: 'FULL' });
await store.migrate();
const now = Date.now();
const app = await store.createApplication({ id: newId('app'), uid: null, name: 'bench', throttleRate: null, metadata: {} }, now);
const endpointIds: string[] = [];
for (let i = 0; i < FANOUT; i++) {
  const endpoint = await store.createEndpoint({ id: newId('ep'), appId: app.id, uid: null, url: `https://example.com/${i}`, description: '',
    disabled: false, eventTypes: null, channels: null, headers: {}, throttleRate: null, metadata: {}, version: 1, secret: `whsec_${'A'.repeat(32)}` }, now);
  endpointIds.push(endpoint.id);
}
const payload = JSON.stringify({ n: 0, padding: 'x'.repeat(64) });
const batchOf = (at: number): NewMessage[] => Array.from({ length: BATCH }, () => ({
  message: { id: newId('msg', at), appId: app.id, eventType: 'bench.event', eventId: null, channels: null, tags: null, payload, createdAt: at },
  endpointIds,
}));

const successOf = (claimedDeliveries: ClaimedDelivery[], at: number): DeliveryResult[] =>
  claimedDeliveries.map((delivery) => {
    const attempt: Attempt = {
      id: newId('atmpt', at), msgId: delivery.message.id, endpointId: delivery.endpoint.id, appId: app.id, url: delivery.endpoint.url,
      status: MessageStatus.Success, responseStatusCode: 200, response: 'ok', responseDurationMs: 1, triggerType: TriggerType.Scheduled, createdAt: at,
      requestHeaders: { 'content-type': 'application/json', 'webhook-id': delivery.message.id },
    };
    return { deliveryId: delivery.deliveryId, fence: delivery.fence, attempt, outcome: { kind: 'success' as const }, disableEndpoint: false };
  });

// Deliveries leased in the commit that accepts their messages, as Herald does while it has room.
let acceptMs = 0;
let recordMs = 0;
let claimed = 0;
for (let round = 0; round < ROUNDS; round++) {
  const at = Date.now();
  let started = performance.now();
  const result = await store.createMessagesClaiming(batchOf(at), at, { limit: BATCH * FANOUT, leaseMs: 300_000, skipEndpointIds: [] });
  acceptMs += performance.now() - started;
  claimed += result.claimed.length;
  const results = successOf(result.claimed, at);
  started = performance.now();
  await store.recordResults(results, Date.now());
  recordMs += performance.now() - started;
}

// A backlog (accepted while the worker had no room), claimed 64 at a time as the worker does.
for (let round = 0; round < ROUNDS; round++) await store.createMessages(batchOf(Date.now()), Date.now());
let claimMs = 0;
let backlogClaimed = 0;
for (;;) {
  const started = performance.now();
  const batch = await store.claimDeliveries(64, 300_000, Date.now());
  claimMs += performance.now() - started;
  if (batch.length === 0) break;
  backlogClaimed += batch.length;
  await store.recordResults(successOf(batch, Date.now()), Date.now());
}

const messages = BATCH * ROUNDS;
const perDelivery = (ms: number, count: number) => `${((ms * 1000) / count).toFixed(1)} µs per delivery`;
process.stdout.write(`${messages} messages in batches of ${BATCH}, ${FANOUT} endpoint(s) each, ${claimed} deliveries leased at ingest\n`);
process.stdout.write(`accept (message + deliveries, one fsync per batch): ${((acceptMs * 1000) / messages).toFixed(1)} µs per message\n`);
process.stdout.write(`record success (attempt + delivery update):        ${perDelivery(recordMs, claimed)}\n`);
process.stdout.write(`claim from a backlog, 64 at a time:                ${perDelivery(claimMs, backlogClaimed)}\n`);
await store.close();
dir.remove();
