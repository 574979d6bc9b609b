// `node --import tsx bench/profile-summary.ts DIR DELIVERIES`: where Herald's CPU went, from the
// .cpuprofile files that `BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" npm run bench` leaves (one
// per thread). Each sample is charged to the nearest Herald source file on its stack (so undici's
// work counts against the Herald file that called it, and SQLite's against the query that ran it);
// samples with no Herald frame are charged to the library or V8 bucket they were in. Figures are
// microseconds per delivery: sampled time divided by DELIVERIES (every delivery the run made,
// warm-up included). Module loading at start-up and idle time are left out.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const [dir, deliveriesText] = process.argv.slice(2);
if (dir === undefined || deliveriesText === undefined) throw new Error('usage: profile-summary.ts DIR DELIVERIES');
const deliveries = Number(deliveriesText);
const topRows = Number(process.env.TOP ?? 25);
// BY_FUNCTION=1 charges samples to the nearest Herald function (file#name) rather than file.
const byFunction = process.env.BY_FUNCTION === '1';

function heraldFile(url: string): string | undefined {
  const at = url.indexOf('/packages/');
  return at === -1 || url.includes('/node_modules/') ? undefined : url.slice(at + '/packages/'.length);
}

function outsideBucket(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (url === '') return functionName.startsWith('(') ? functionName : `native ${functionName || '(anonymous)'}`;
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) return `no Herald frame: ${url.slice(modules + '/node_modules/'.length).split('/').slice(0, url.includes('/@', modules) ? 2 : 1).join('/')}`;
  if (url.startsWith('node:')) return `no Herald frame: ${url}`;
  return `no Herald frame: ${url.split('/').slice(-2).join('/')}`;
}

function summarize(profile: Profile): { charges: Map<string, number>; total: number } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const chargeOf = new Map<number, string>();
  const charge = (id: number): string => {
    const known = chargeOf.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    let label: string | undefined;
    let firstHeraldFile: string | undefined;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (frame.url.startsWith('node:internal/modules')) { label = '(start-up: module loading)'; break; }
      const file = heraldFile(frame.url);
      // By function, an anonymous closure (a transaction body, a callback) is charged to the named
      // Herald function that made it, so `recordResults`' transaction counts as recordResults.
      const named = !['', '(anonymous)', 'withoutFsync', '__name'].includes(frame.functionName);
      firstHeraldFile ??= file;
      if (label === undefined && file !== undefined && (!byFunction || named)) label = byFunction ? `${file}#${frame.functionName}` : file;
    }
    label ??= firstHeraldFile === undefined ? outsideBucket(node) : `${firstHeraldFile}#(anonymous)`;
    chargeOf.set(id, label);
    return label;
  };
  const charges = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const label = charge(id);
    const micros = profile.timeDeltas[i] ?? 0;
    if (label === '(idle)' || label.startsWith('(start-up')) return;
    charges.set(label, (charges.get(label) ?? 0) + micros);
    total += micros;
  });
  return { charges, total };
}

function threadName(charges: Map<string, number>, file: string): string {
  const files = [...charges.keys()].join(' ');
  if (files.includes('sender-thread.ts')) return 'sender thread';
  if (files.includes('delivery-thread/entry.ts') || files.includes('delivery/src/worker.ts')) return 'delivery thread (SQLite writer + worker)';
  return /\.0\.\d+\.cpuprofile$/.test(file) ? 'main thread (API)' : `thread ${file}`;
}

// STAGES=1 groups the charges into the stages of a delivery (bench/README.md's table), per thread,
// as shares of the thread's sampled busy time.
const STAGES: Array<[string, RegExp]> = [
  ['GC (on this thread)', /^\(garbage collector\)$/],
  ['sign (Standard Webhooks HMAC)', /core\/src\/signing\//],
  ['HTTP send and response (http-sender, undici, sockets)', /delivery\/src\/(http-sender|own-relay|transports)|undici|wasm|writev|node:(net|_http|internal\/stream|internal\/streams|events|internal\/timers|timers|internal\/process\/task_queues|buffer)/],
  ['hand-off back to the delivery thread (sender-thread)', /delivery\/src\/sender-thread|messageport|postMessage|worker\/io|event_target/],
  ['commit message + delivery row (insertMessages, fsync)', /sqlite-store\.ts#(insertMessages|fanOut)|secret-encryption/],
  ['audit rows (appendAuditEntries)', /tenancy-tables/],
  ['claim (claimDeliveries)', /sqlite-store\.ts#(claimDeliveries|endpointsForDelivery|nextDueAt)/],
  ['record attempt (recordResults, result-writer)', /sqlite-store\.ts#recordResults|result-writer/],
  ['worker scheduling (worker, origin-budget, entry)', /delivery\/src\/(worker|origin-budget)|delivery-thread\/entry/],
  ['hand-off to a sender thread (threaded-sender)', /threaded-sender/],
  ['inbound gateway polling (idle work)', /inbound/],
];
const API_STAGES: Array<[string, RegExp]> = [
  ['GC (on this thread)', /^\(garbage collector\)$/],
  ['HTTP server: read request, write 202 (node:http)', /node:|writev|native/],
  ['Fastify routing, hooks, reply', /fastify|find-my-way|secure-json-parse|api\/src\/app\.ts|light-my-request|avvio/],
  ['body parse + validation', /api\/src\/(json-body|validation|storable-text|schemas)/],
  ['auth (token hash)', /api\/src\/auth\.ts/],
  ['route, ids, new message', /api\/src\/(routes|ingest|deps)|core\/src\/(ids|new-message)/],
  ['audit + logging', /audit-log|pino/],
  ['metrics', /server\/src\/metrics/],
  ['hand-off to the delivery thread (client.ts)', /delivery-thread\/client/],
];
const stageOf = (api: boolean, label: string) => (api ? API_STAGES : STAGES).find(([, pattern]) => pattern.test(label))?.[0] ?? 'other';

let grand = 0;
for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile')).sort()) {
  const { charges, total } = summarize(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile);
  if (total === 0) continue;
  grand += total;
  process.stdout.write(`\n${threadName(charges, file)} (${file}): ${(total / deliveries).toFixed(1)} µs per delivery\n`);
  let rows = [...charges];
  if (process.env.STAGES === '1') {
    const api = threadName(charges, file).startsWith('main');
    const stages = new Map<string, number>();
    for (const [label, micros] of rows) stages.set(stageOf(api, label), (stages.get(stageOf(api, label)) ?? 0) + micros);
    rows = [...stages].map(([stage, micros]) => [`${((micros / total) * 100).toFixed(1).padStart(5)}%  ${stage}`, micros]);
  }
  rows = rows.sort((a, b) => b[1] - a[1]).slice(0, topRows);
  for (const [label, micros] of rows) process.stdout.write(`  ${(micros / deliveries).toFixed(1).padStart(7)} µs  ${label}\n`);
}
process.stdout.write(`\nall threads: ${(grand / deliveries).toFixed(1)} µs per delivery (sampled JS + native time; the kernel's share of syscalls is not all in it)\n`);
