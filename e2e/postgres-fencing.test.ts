import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually } from '@herald/testing';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { PostgresCluster, callApi } from './support/postgres-cluster.ts';

const database = await postgresTestDatabase();

interface Attempt { id: string; responseStatusCode: number; status: number }

if (database) {
  const cluster = new PostgresCluster(database.url, { HERALD_LEASE: '2s', HERALD_RETRY_SCHEDULE: '1h' });
  after(() => cluster.stopAll());

  /**
   * Worker A sends a delivery and is frozen (SIGSTOP) before its result is written; its 2 s lease
   * runs out, worker B takes the delivery over and succeeds. When A is thawed (SIGCONT) and gets
   * its late 500, the write is refused by the fence: the record keeps B's success alone.
   */
  test('a stalled worker (SIGSTOP past its lease) cannot overwrite the newer attempt of another worker', async () => {
    // A loopback endpoint that holds the first request open until the test lets it answer 500;
    // every later request gets 200 at once.
    const arrivals: string[] = [];
    let answerFirst: () => void = () => undefined;
    const endpoint = createServer((request, response) => {
      request.resume();
      arrivals.push(String(request.headers['webhook-id']));
      if (arrivals.length === 1) answerFirst = () => response.writeHead(500).end('late failure');
      else response.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    after(() => new Promise<void>((resolve) => {
      endpoint.closeAllConnections();
      endpoint.close(() => resolve());
    }));
    const endpointUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/hook`;

    const api = await cluster.spawn('api');
    const workerA = await cluster.spawn('worker');
    const app = await callApi<{ id: string }>(api.url, 'POST', '/api/v1/app', { name: 'fencing' });
    await callApi(api.url, 'POST', `/api/v1/app/${app.id}/endpoint`, { url: endpointUrl });
    const message = await callApi<{ id: string }>(api.url, 'POST', `/api/v1/app/${app.id}/msg`, { eventType: 'fence.test', payload: { n: 1 } });

    await eventually(() => (arrivals.length === 1 ? true : undefined), 20_000, 'worker A to send the first request');
    workerA.child.kill('SIGSTOP');
    const workerB = await cluster.spawn('worker');
    await eventually(() => (arrivals.length === 2 ? true : undefined), 30_000, 'worker B to take the delivery over');
    assert.deepEqual(arrivals, [message.id, message.id], 'B sent the same message, with the same webhook-id');
    const attemptsOf = () => callApi<{ data: Attempt[] }>(api.url, 'GET', `/api/v1/app/${app.id}/attempt/msg/${message.id}`);
    await eventually(async () => ((await attemptsOf()).data.length === 1 ? true : undefined), 20_000, "B's attempt on record");

    answerFirst();
    workerA.child.kill('SIGCONT');
    const staleCount = async () => {
      const text = await (await fetch(`${workerA.url}/metrics`)).text();
      return Number(/^herald_delivery_stale_results_total (\d+)/m.exec(text)?.[1] ?? 0);
    };
    await eventually(async () => ((await staleCount()) >= 1 ? true : undefined), 30_000, "A's late result to be discarded");

    const attempts = (await attemptsOf()).data;
    assert.equal(attempts.length, 1, 'only the newer attempt is on record');
    assert.equal(attempts[0]!.responseStatusCode, 200);
    const destinations = await callApi<{ data: Array<{ status: number }> }>(api.url, 'GET', `/api/v1/app/${app.id}/msg/${message.id}/endpoint`);
    assert.equal(destinations.data[0]!.status, 0, 'the delivery stays successful');
    assert.ok(workerB.child.exitCode === null, 'B is still running');
  });
}
