import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { TEST_ADMIN_TOKEN, eventually, startReceiver } from '@herald/testing';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { PostgresCluster, callApi } from './support/postgres-cluster.ts';
import { connectionEnv, startCli } from '../packages/cli/test/run-cli.ts';

const database = await postgresTestDatabase();

if (database) {
  // Private targets stay refused: the worker reaches the API process's relay route only because
  // that process registered it in the database, not because loopback is open to every endpoint.
  const cluster = new PostgresCluster(database.url, { HERALD_ALLOW_PRIVATE_TARGETS: 'false' });
  after(() => cluster.stopAll());

  test('herald listen works with separate API and worker processes: the worker delivers through the API process\'s relay route', async () => {
    const receiver = await startReceiver(() => ({ status: 202, body: 'accepted locally' }));
    after(() => receiver.close());
    // The worker starts first: it learns the API process's relay origin when a delivery names it,
    // not only at its start (it re-reads the list every 30 s besides).
    await cluster.spawn('worker');
    const api = await cluster.spawn('api');
    await callApi(api.url, 'POST', '/api/v1/app', { name: 'Shop', uid: 'shop' });
    const cli = startCli(['--json', 'listen', '--app', 'shop', '--forward-to', receiver.url], connectionEnv({ url: api.url, token: TEST_ADMIN_TOKEN }));
    after(() => {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    });
    const [line] = await cli.waitForOutput(/^\{"type":"ready".*\}$/m);
    const { secret } = JSON.parse(line!) as { secret: string };
    const message = await callApi<{ id: string }>(api.url, 'POST', '/api/v1/app/shop/msg', { eventType: 'order.paid', payload: { id: 'ord_1' } });
    const [request] = await receiver.waitFor(1, 20_000);
    assert.equal(request!.headers['webhook-id'], message.id);
    assert.doesNotThrow(() => new Webhook(secret).verify(request!.body, request!.headers));
    const [attempt] = await eventually(async () => {
      const { data } = await callApi<{ data: Array<{ responseStatusCode: number }> }>(api.url, 'GET', `/api/v1/app/shop/attempt/msg/${message.id}`);
      return data.length > 0 ? data : undefined;
    }, 20_000, 'the attempt on record');
    assert.equal(attempt!.responseStatusCode, 202, 'the attempt records the local URL\'s answer');
    cli.child.kill('SIGINT');
    assert.equal((await cli.exited).code, 0);
  });
}
