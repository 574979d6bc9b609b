// `npm run bench:polling`: message commit to SSE receipt on a polling endpoint's live stream, at a
// fixed rate (BENCH_RATE, default 1000 messages/s, for BENCH_SECONDS, default 10). Herald runs in its
// own process: embedded (SQLite, synchronous=FULL), or PostgreSQL mode with BENCH_DATABASE_URL (an
// empty database). The load generator and the stream reader run here. Figures, per message:
//   202 -> SSE: from the 202 (the commit is done by then) to the event's arrival on the stream;
//   POST -> SSE: from sending the request, which bounds the commit from the other side.
import { Pool } from 'undici';
import { TEST_ADMIN_TOKEN, spawnHerald, tempDir, testEnv } from '@herald/testing';
import { TEST_ENCRYPTION_KEY } from '@herald/testing/postgres';

const RATE = Number(process.env.BENCH_RATE ?? 1_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const DATABASE_URL = process.env.BENCH_DATABASE_URL;
/** BENCH_STREAM=off: the same load with no stream open, to see what the stream costs ingest. */
const STREAM = process.env.BENCH_STREAM !== 'off';

const now = () => performance.timeOrigin + performance.now();
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  const dir = tempDir('herald-bench-polling-');
  const env = testEnv(dir.path, {
    HERALD_SQLITE_SYNCHRONOUS: 'FULL',
    HERALD_RATE_LIMIT: 'off',
    ...(DATABASE_URL ? { HERALD_DATABASE_URL: DATABASE_URL, HERALD_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY } : {}),
  });
  const herald = await spawnHerald(env);
  const headers = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
  try {
    const call = async <T>(path: string, body: unknown): Promise<T> => {
      const response = await fetch(`${herald.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    const app = await call<{ id: string }>('/api/v1/app', { name: 'bench polling' });
    const poller = await call<{ id: string; token: string }>(`/api/v1/app/${app.id}/poller`, { filterTypes: ['bench.tick'] });

    const total = RATE * SECONDS;
    const sentAt = new Array<number>(total);
    const acceptedAt = new Array<number>(total);
    const receivedAt = new Array<number>(total);
    let received = 0;
    let allReceived!: () => void;
    const done = new Promise<void>((resolve) => (allReceived = resolve));

    const stream = new AbortController();
    const response = !STREAM ? new Response('', { status: 200 }) : await fetch(`${herald.url}/api/v1/app/${app.id}/poller/${poller.id}/stream`, {
      headers: { authorization: `Bearer ${poller.token}` }, signal: stream.signal,
    });
    if (response.status !== 200) throw new Error(`stream: ${response.status}`);
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body!) {
        const at = now();
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          if (!data) continue;
          const n = (JSON.parse(data.slice(6)) as { payload: { n: number } }).payload.n;
          receivedAt[n] = at;
          if (++received === total) allReceived();
        }
      }
    })().catch(() => undefined);

    const pool = new Pool(herald.url, { connections: 64, pipelining: 1 });
    const started = now();
    const posts: Array<Promise<void>> = [];
    for (let n = 0; n < total; n++) {
      const due = started + (n * 1000) / RATE;
      const wait = due - now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      sentAt[n] = now();
      posts.push(pool.request({
        path: `/api/v1/app/${app.id}/msg`, method: 'POST', headers,
        body: JSON.stringify({ eventType: 'bench.tick', payload: { n } }),
      }).then(async (answer) => {
        await answer.body.text();
        if (answer.statusCode !== 202) throw new Error(`message ${n}: ${answer.statusCode}`);
        acceptedAt[n] = now();
      }));
    }
    await Promise.all(posts);
    const sendSeconds = (now() - started) / 1000;
    if (STREAM) await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    stream.abort();
    await reading;
    await pool.close();

    const fromAccepted = acceptedAt.map((at, n) => Math.max(0, receivedAt[n]! - at)).sort((a, b) => a - b);
    const fromSent = sentAt.map((at, n) => receivedAt[n]! - at).sort((a, b) => a - b);
    const ms = (value: number) => `${value.toFixed(1)} ms`;
    console.log(JSON.stringify({
      mode: DATABASE_URL ? 'postgres' : 'sqlite (synchronous=FULL)',
      rate: RATE,
      achievedRate: Math.round(total / sendSeconds),
      messages: total,
      receivedOnStream: received,
      accepted202ToSse: { p50: ms(percentile(fromAccepted, 50)), p99: ms(percentile(fromAccepted, 99)), max: ms(fromAccepted[fromAccepted.length - 1]!) },
      postToSse: { p50: ms(percentile(fromSent, 50)), p99: ms(percentile(fromSent, 99)), max: ms(fromSent[fromSent.length - 1]!) },
    }, null, 2));
    if (STREAM && received !== total) process.exitCode = 1;
  } finally {
    herald.child.kill('SIGTERM');
    await herald.exited;
    dir.remove();
  }
}

await main();
