import { SqliteStore } from '@herald/storage-sqlite';
import { seed, newMessage, result } from './packages/storage/src/testing/conformance/fixtures.ts';
import { mkdtempSync } from 'node:fs';
const dir = mkdtempSync('/tmp/micro-');
const store = new SqliteStore({ path: `${dir}/h.db`, synchronous: 'FULL' });
await store.migrate();
for (const p of (process.env.PRAGMAS ?? '').split(';').filter(Boolean)) (store as any).db.pragma(p);
const { app, endpoints } = await seed(store, 10);
const payload = JSON.stringify({ n: 1, padding: 'x'.repeat(64) });
let at = Date.now();
const N = Number(process.env.N ?? 3000);
let t0 = performance.now();
for (let i = 0; i < N / 30; i++) {
  const batch = Array.from({ length: 30 }, () => ({ message: { ...newMessage(app.id, ++at), payload }, endpointIds: endpoints.map((e) => e.id) }));
  await store.createMessages(batch, at);
}
console.log('insert', ((performance.now() - t0) / (N * 10) * 1000).toFixed(1), 'us per delivery');
let claimT = 0, recT = 0, total = 0;
for (;;) {
  const now = ++at + 1000;
  let t = performance.now();
  const claimed = await store.claimDeliveries(64, 300000, now);
  claimT += performance.now() - t;
  if (claimed.length === 0) break;
  total += claimed.length;
  t = performance.now();
  await store.recordResults(claimed.map((c) => result(c, { kind: 'success' }, now)), now);
  recT += performance.now() - t;
}
console.log('claim', (claimT / total * 1000).toFixed(1), 'us per delivery; record', (recT / total * 1000).toFixed(1), 'us per delivery', total);
