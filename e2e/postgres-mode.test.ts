import { after, test } from 'node:test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import { eventually, startReceiver, startTestHerald } from '@herald/testing';
import { TEST_ENCRYPTION_KEY, postgresTestDatabase } from '@herald/testing/postgres';
import { loadConfig } from '@herald/server';
import { PostgresCluster, callApi } from './support/postgres-cluster.ts';

const database = await postgresTestDatabase();

if (database) {
  const cluster = new PostgresCluster(database.url);
  after(() => cluster.stopAll());

  test('an api process serves the API without delivering, and a worker process delivers without serving the API', async () => {
    const receiver = await startReceiver();
    after(() => receiver.close());
    const api = await cluster.spawn('api');
    const app = await callApi<{ id: string }>(api.url, 'POST', '/api/v1/app', { name: 'roles' });
    await callApi(api.url, 'POST', `/api/v1/app/${app.id}/endpoint`, { url: receiver.url });
    const message = await callApi<{ id: string }>(api.url, 'POST', `/api/v1/app/${app.id}/msg`, { eventType: 'role.test', payload: { n: 1 } });

    // No sleep to let the api process show it does not deliver: the message waited for the worker
    // started after it, which made the one attempt there was. Had the api process delivered it,
    // that attempt would be the api's, and the worker's count would stay at 0.
    const worker = await cluster.spawn('worker');
    await receiver.waitFor(1, 20_000);
    assert.equal(receiver.requests[0]!.headers['webhook-id'], message.id);
    assert.equal((await fetch(`${worker.url}/api/v1/health`)).status, 404, 'a worker serves no API');
    assert.equal((await fetch(`${worker.url}/health`)).status, 200);
    await eventually(async () => (/herald_delivery_attempts_total\{outcome="success"\} 1/.test(await (await fetch(`${worker.url}/metrics`)).text())
      ? true : undefined), 10_000, "the worker's metrics to count the attempt");
    const { data: attempts } = await callApi<{ data: unknown[] }>(api.url, 'GET', `/api/v1/app/${app.id}/attempt/msg/${message.id}`);
    assert.equal(attempts.length, 1, 'one attempt on record: the worker\'s');
    assert.equal(receiver.requests.length, 1, 'the api role does not deliver');
  });

  test('a delivery slower than the lease stays with its worker, which renews the lease, and is sent once', async () => {
    const arrivals: string[] = [];
    const slow = createServer((request, response) => {
      request.resume();
      arrivals.push(String(request.headers['webhook-id']));
      setTimeout(() => response.writeHead(200).end('ok'), 8_000);
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    after(() => new Promise<void>((resolve) => {
      slow.closeAllConnections();
      slow.close(() => resolve());
    }));
    const leased = new PostgresCluster(database.url, { HERALD_LEASE: '3s' });
    after(() => leased.stopAll());
    const api = await leased.spawn('api');
    await Promise.all([leased.spawn('worker'), leased.spawn('worker')]);
    const app = await callApi<{ id: string }>(api.url, 'POST', '/api/v1/app', { name: 'slow' });
    await callApi(api.url, 'POST', `/api/v1/app/${app.id}/endpoint`, { url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/slow` });
    const message = await callApi<{ id: string }>(api.url, 'POST', `/api/v1/app/${app.id}/msg`, { eventType: 'slow.test', payload: {} });
    const attempts = () => callApi<{ data: Array<{ responseStatusCode: number }> }>(api.url, 'GET', `/api/v1/app/${app.id}/attempt/msg/${message.id}`);
    const [attempt] = await eventually(async () => {
      const { data } = await attempts();
      return data.length > 0 ? data : undefined;
    }, 30_000, 'the slow attempt on record');
    assert.equal(attempt!.responseStatusCode, 200);
    assert.deepEqual(arrivals, [message.id], 'no other worker took the delivery over while it ran for almost three leases');
  });

  test('with HERALD_RETENTION, payloads and response bodies past it are purged in the background while records stay', async () => {
    const receiver = await startReceiver(() => ({ status: 200, body: 'receiver said hello' }));
    const herald = await startTestHerald({
      HERALD_DATABASE_URL: database.url, HERALD_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, HERALD_RETENTION: '2s', HERALD_DATABASE_POOL_SIZE: '4',
    });
    after(async () => {
      await herald.stop();
      await receiver.close();
    });
    const app = await callApi<{ id: string }>(herald.url, 'POST', '/api/v1/app', { name: 'retention' });
    await callApi(herald.url, 'POST', `/api/v1/app/${app.id}/endpoint`, { url: receiver.url });
    const message = await callApi<{ id: string }>(herald.url, 'POST', `/api/v1/app/${app.id}/msg`, { eventType: 'old.news', payload: { secret: 'x' } });
    await receiver.waitFor(1, 20_000);
    const attempts = () => callApi<{ data: Array<{ response: string; responseStatusCode: number }> }>(herald.url, 'GET', `/api/v1/app/${app.id}/attempt/msg/${message.id}`);
    assert.equal((await eventually(async () => (await attempts()).data[0], 10_000, 'the attempt')).response, 'receiver said hello');
    await eventually(async () => ((await attempts()).data[0]?.response === '' ? true : undefined), 30_000, 'the response body to be purged');
    const purged = await callApi<{ id: string; payload: unknown }>(herald.url, 'GET', `/api/v1/app/${app.id}/msg/${message.id}`);
    assert.equal(purged.id, message.id, 'the message itself stays');
    assert.deepEqual(purged.payload, {}, 'its payload is gone');
    assert.equal((await attempts()).data[0]?.responseStatusCode, 200, 'the attempt record stays');
  });
}

test('the configuration refuses a split role without PostgreSQL, and a database URL that is not PostgreSQL', () => {
  assert.throws(() => loadConfig({ HERALD_ROLE: 'worker' }), /HERALD_ROLE=worker needs HERALD_DATABASE_URL/);
  assert.throws(() => loadConfig({ HERALD_DATABASE_URL: 'mysql://localhost/herald' }), /HERALD_DATABASE_URL must be a PostgreSQL URL/);
  assert.throws(() => loadConfig({ HERALD_ROLE: 'both', HERALD_DATABASE_URL: 'postgres://localhost/herald' }), /HERALD_ROLE must be api, worker or all/);
  const config = loadConfig({ HERALD_ROLE: 'api', HERALD_DATABASE_URL: 'postgresql://localhost/herald', HERALD_RETENTION: '30d' });
  assert.equal(config.role, 'api');
  assert.equal(config.retentionMs, 30 * 86_400_000);
});
