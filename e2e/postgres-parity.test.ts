import { readdirSync } from 'node:fs';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { eventually, startReceiver, startTestHerald, tempDir } from '@herald/testing';
import { TEST_ENCRYPTION_KEY, postgresModeEnv, postgresTestDatabase } from '@herald/testing/postgres';
import { ConfigError, loadConfig, startHerald } from '@herald/server';
import { PostgresCluster, callApi } from './support/postgres-cluster.ts';
import { connectionEnv, runCli, startCli } from '../packages/cli/test/run-cli.ts';

test('PostgreSQL mode does not start without HERALD_ENCRYPTION_KEY, and the message names it', async () => {
  const dir = tempDir();
  after(() => dir.remove());
  const { HERALD_ENCRYPTION_KEY: _shared, ...withoutKey } = postgresModeEnv('postgres://nobody@127.0.0.1:1/none', 'all', dir.path);
  await assert.rejects(startHerald(loadConfig(withoutKey), pino({ level: 'silent' })),
    (error: unknown) => error instanceof ConfigError && /HERALD_ENCRYPTION_KEY/.test(error.message));
});

// Two databases: the split cluster and the in-process Herald must not claim each other's deliveries.
const splitDatabase = await postgresTestDatabase();
const allInOneDatabase = await postgresTestDatabase();

if (splitDatabase && allInOneDatabase) {
  test('split api and worker processes: secrets sealed in the database and opened by the worker, verification, timeline, audit log, portal tokens, dashboard and inspector', async () => {
    const cluster = new PostgresCluster(splitDatabase.url);
    const receiver = await startReceiver((request) => {
      const { challenge } = JSON.parse(request.body) as { challenge?: string };
      return challenge === undefined ? { status: 200, body: 'ok' } : { status: 200, body: JSON.stringify({ challenge }) };
    });
    const raw = new pg.Client({ connectionString: splitDatabase.url });
    await raw.connect();
    try {
      const [api] = await Promise.all([cluster.spawn('api'), cluster.spawn('worker')]);
      const app = await callApi<{ id: string }>(api!.url, 'POST', '/api/v1/app', { name: 'parity' });
      const endpoint = await callApi<{ id: string; verification: { status: string } | null }>(api!.url, 'POST',
        `/api/v1/app/${app.id}/endpoint`, { url: receiver.url, requireVerification: true });
      assert.equal(endpoint.verification?.status, 'verified', 'the API process ran the challenge');
      const { key } = await callApi<{ key: string }>(api!.url, 'GET', `/api/v1/app/${app.id}/endpoint/${endpoint.id}/secret`);
      const { rows } = await raw.query<{ secrets: Array<{ key: string }> }>('SELECT secrets FROM endpoints WHERE id = $1', [endpoint.id]);
      assert.match(rows[0]!.secrets[0]!.key, /^hsec1:/, 'the database holds the secret sealed');

      const message = await callApi<{ id: string }>(api!.url, 'POST', `/api/v1/app/${app.id}/msg`, { eventType: 'parity.test', payload: { n: 1 } });
      const delivered = await eventually(async () => receiver.requests.find((request) => request.headers['webhook-id'] === message.id),
        20_000, 'the delivery');
      assert.doesNotThrow(() => new Webhook(key).verify(delivered.body, delivered.headers), 'the worker signed with the opened secret');
      const [attempt] = await eventually(async () => {
        const { data } = await callApi<{ data: Array<{ requestHeaders?: Record<string, string> }> }>(api!.url, 'GET',
          `/api/v1/app/${app.id}/attempt/msg/${message.id}`);
        return data.length > 0 ? data : undefined;
      }, 10_000, 'the attempt');
      assert.equal(attempt!.requestHeaders?.['webhook-signature'], delivered.headers['webhook-signature']);
      const timeline = await callApi<{ data: Array<{ success: number }> }>(api!.url, 'GET',
        `/api/v1/app/${app.id}/endpoint/${endpoint.id}/stats/timeline?bucket=1h`);
      assert.equal(timeline.data.reduce((sum, bucket) => sum + bucket.success, 0), 1);

      const audit = await eventually(async () => {
        const { data } = await callApi<{ data: Array<{ method: string; route: string }> }>(api!.url, 'GET', '/api/v1/audit-log');
        return data.some((entry) => entry.route === '/api/v1/app/:app_id/msg') ? data : undefined;
      }, 10_000, 'the audit rows');
      assert.ok(audit.some((entry) => entry.method === 'POST' && entry.route === '/api/v1/app'));
      await assert.rejects(raw.query('DELETE FROM audit_log'), /append-only/);

      const portal = await callApi<{ token: string }>(api!.url, 'POST', `/api/v1/auth/app-portal-access/${app.id}`, {});
      const asTenant = (path: string) => fetch(`${api!.url}${path}`, { headers: { authorization: `Bearer ${portal.token}` } });
      assert.equal((await asTenant(`/api/v1/app/${app.id}/endpoint`)).status, 200);
      assert.equal((await asTenant('/api/v1/app')).status, 404, 'a portal token sees nothing beyond its application');

      assert.equal((await fetch(`${api!.url}/ui`)).status, 200, 'the API process serves the dashboard');

      const bin = await callApi<{ captureUrl: string; pageUrl: string }>(api!.url, 'POST', '/api/v1/inspector', {});
      await fetch(bin.captureUrl.replace(/^https?:\/\/[^/]+/, api!.url), { method: 'PUT', body: 'captured bytes' });
      const captures = await (await fetch(`${bin.pageUrl.replace(/^https?:\/\/[^/]+/, api!.url)}/requests`)).json() as { data: Array<{ method: string }> };
      assert.deepEqual(captures.data.map((capture) => capture.method), ['PUT']);
    } finally {
      await raw.end();
      await receiver.close();
      await cluster.stopAll();
    }
  });

  test('herald migrate with HERALD_DATABASE_URL migrates that database, and prints its URL without the password', async () => {
    const url = new URL(allInOneDatabase.url);
    url.password = 'not-to-be-printed';
    const migrated = await runCli(['migrate'], { HERALD_DATABASE_URL: url.toString(), HERALD_LOG_LEVEL: 'silent' });
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stderr, /migrated postgres:\/\/.*\*\*\*@/);
    assert.doesNotMatch(migrated.stderr, /not-to-be-printed/);
    const raw = new pg.Client({ connectionString: allInOneDatabase.url });
    await raw.connect();
    try {
      const { rows } = await raw.query<{ version: number }>('SELECT version FROM herald_migrations ORDER BY version');
      const known = readdirSync(new URL('../packages/storage-postgres/src/migrations/', import.meta.url)).map((file) => Number(file.slice(0, 4)));
      assert.deepEqual(rows.map((row) => row.version), known.sort((a, b) => a - b));
    } finally {
      await raw.end();
    }
  });

  test('with role all, herald listen receives deliveries through the relay while private targets stay refused', async () => {
    const herald = await startTestHerald({
      HERALD_DATABASE_URL: allInOneDatabase.url, HERALD_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, HERALD_DATABASE_POOL_SIZE: '4',
      HERALD_ALLOW_PRIVATE_TARGETS: 'false',
    });
    const receiver = await startReceiver(() => ({ status: 202, body: 'accepted locally' }));
    try {
      await callApi(herald.url, 'POST', '/api/v1/app', { name: 'Shop', uid: 'shop' });
      const cli = startCli(['--json', 'listen', '--app', 'shop', '--forward-to', receiver.url], connectionEnv(herald));
      const [line] = await cli.waitForOutput(/^\{"type":"ready".*\}$/m);
      const { secret } = JSON.parse(line!) as { secret: string };
      const message = await callApi<{ id: string }>(herald.url, 'POST', '/api/v1/app/shop/msg', { eventType: 'order.paid', payload: { id: 'ord_1' } });
      const [request] = await receiver.waitFor(1, 20_000);
      assert.equal(request!.headers['webhook-id'], message.id);
      assert.doesNotThrow(() => new Webhook(secret).verify(request!.body, request!.headers));
      cli.child.kill('SIGINT');
      assert.equal((await cli.exited).code, 0);
    } finally {
      await receiver.close();
      await herald.stop();
    }
  });
}
