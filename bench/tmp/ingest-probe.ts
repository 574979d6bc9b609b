import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Pool } from 'undici';
import { spawnHerald, tempDir, startReceiver } from '@herald/testing';
import { postgresModeEnv } from '@herald/testing/postgres';
const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
await admin.connect();
const name = `herald_postgres_probe_${randomBytes(3).toString('hex')}`;
await admin.query(`CREATE DATABASE ${name}`);
const url = `postgres://postgres@127.0.0.1:5432/${name}`;
const dir = tempDir();
const receiver = await startReceiver();
const procs = [];
try {
  const api = await spawnHerald(postgresModeEnv(url, 'api', dir.path, { HERALD_DATABASE_POOL_SIZE: '10' }));
  procs.push(api);
  const workers = Number(process.env.W ?? 0);
  for (let i = 0; i < workers; i++) procs.push(await spawnHerald(postgresModeEnv(url, 'worker', dir.path, { HERALD_DATABASE_POOL_SIZE: '10' })));
  const http = new Pool(api.url, { connections: 64 });
  const headers = { authorization: 'Bearer sk_test_herald_admin_token_0123456789', 'content-type': 'application/json' };
  const call = async (path: string, body: unknown) => JSON.parse(await (await http.request({ path, method: 'POST', headers, body: JSON.stringify(body) })).body.text());
  const app = await call('/api/v1/app', { name: 'x' });
  await call(`/api/v1/app/${app.id}/endpoint`, { url: receiver.url });
  const { readFileSync } = await import('node:fs');
  const cpu = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) / 100; };
  for (const round of [1, 2]) {
    const before = procs.map((p) => cpu(p.child.pid!));
    const N = 2000; let next = 0; const t0 = performance.now();
    await Promise.all(Array.from({ length: 64 }, async () => { while (next < N) { next++; await call(`/api/v1/app/${app.id}/msg`, { eventType: 'e', payload: { n: next } }); } }));
    console.log(`round ${round} workers ${workers}: ingest ${(N / (performance.now() - t0) * 1000).toFixed(0)} msg/s; cpu s: ${procs.map((p, i) => (cpu(p.child.pid!) - before[i]!).toFixed(2)).join(' ')} wall ${((performance.now() - t0) / 1000).toFixed(1)}`);
  }
  await http.close();
} finally {
  for (const p of procs) { p.child.kill('SIGKILL'); await p.exited; }
  await receiver.close();
  await admin.query(`DROP DATABASE ${name} WITH (FORCE)`); await admin.end(); dir.remove();
}
