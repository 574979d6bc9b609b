import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { eventually, startReceiver, startTestHerald, type Receiver, type TestHerald } from '@herald/testing';
import { connectionEnv, startCli, type CliProcess } from './run-cli.ts';

interface Attempt {
  endpointId: string;
  responseStatusCode: number;
  response: string;
  statusText: string;
}

/**
 * Herald -> WebSocket -> CLI -> local receiver -> result recorded as the attempt, with Herald's
 * private-address policy ON: only its own relay route is reachable on loopback.
 */
describe('herald listen --forward-to', () => {
  let herald: TestHerald;
  let receiver: Receiver;
  let env: Record<string, string>;

  const api = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${herald.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${herald.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const trigger = async (payload: object) =>
    (await api<{ id: string }>('POST', '/api/v1/app/shop/msg', { eventType: 'order.paid', payload })).body.id;
  const attemptsOf = async (msgId: string) =>
    (await api<{ data: Attempt[] }>('GET', `/api/v1/app/shop/attempt/msg/${msgId}`)).body.data.reverse();
  const endpointIds = async () => (await api<{ data: Array<{ id: string }> }>('GET', '/api/v1/app/shop/endpoint')).body.data.map((ep) => ep.id);
  const listen = async (...extra: string[]): Promise<{ cli: CliProcess; endpointId: string; secret: string }> => {
    const cli = startCli(['--json', 'listen', '--app', 'shop', '--forward-to', receiver.url, ...extra], env);
    const [line] = await cli.waitForOutput(/^\{"type":"ready".*\}$/m);
    const ready = JSON.parse(line) as { endpointId: string; secret: string };
    return { cli, ...ready };
  };

  before(async () => {
    herald = await startTestHerald({ HERALD_ALLOW_PRIVATE_TARGETS: 'false', HERALD_RETRY_SCHEDULE: '1s,1s' });
    receiver = await startReceiver();
    env = connectionEnv(herald);
    await api('POST', '/api/v1/app', { name: 'Shop', uid: 'shop' });
    await api('POST', '/api/v1/event-type', { name: 'order.paid', description: 'paid' });
    await api('POST', '/api/v1/event-type', { name: 'order.refunded', description: 'refunded' });
  });
  // A refused WebSocket upgrade once kept its socket, and Herald, from closing: fail instead of hanging.
  after(async () => {
    await receiver.close();
    await herald.stop();
  }, { timeout: 20_000 });

  test('each delivery reaches the local URL with its signed headers and body, and the local answer becomes the attempt', async () => {
    receiver.respondWith(() => ({ status: 202, headers: { 'x-local': 'yes' }, body: 'accepted locally' }));
    const { cli, endpointId, secret } = await listen();
    assert.ok((await endpointIds()).includes(endpointId), 'Herald has a temporary endpoint while the session lives');

    const msgId = await trigger({ id: 'ord_1', total: 1200 });
    const [request] = await receiver.waitFor(1);
    assert.equal(request!.headers['webhook-id'], msgId);
    assert.deepEqual(JSON.parse(request!.body), { id: 'ord_1', total: 1200 });
    assert.doesNotThrow(() => new Webhook(secret).verify(request!.body, request!.headers), 'the signature verifies with the session secret');

    const [attempt] = await eventually(async () => {
      const attempts = await attemptsOf(msgId);
      return attempts.length > 0 ? attempts : undefined;
    }, 10_000, 'the attempt');
    assert.equal(attempt!.endpointId, endpointId);
    assert.equal(attempt!.responseStatusCode, 202);
    assert.equal(attempt!.response, 'accepted locally');
    assert.equal(attempt!.statusText, 'success');
    assert.match(cli.stdout(), new RegExp(`"msgId":"${msgId}","status":202`));

    cli.child.kill('SIGINT');
    assert.equal((await cli.exited).code, 0);
    await eventually(async () => ((await endpointIds()).includes(endpointId) ? undefined : true), 5_000, 'the temporary endpoint to be deleted');
  });

  test('a local receiver answering 500 gives a failed attempt and a retry, as for any endpoint; tail shows both', async () => {
    receiver.requests.length = 0;
    let calls = 0;
    receiver.respondWith(() => (++calls === 1 ? { status: 500, body: 'local bug' } : { status: 200, body: 'fixed' }));
    const { cli, endpointId } = await listen('--events', 'order.paid');
    const tail = startCli(['--json', 'tail', '--app', 'shop', '--count', '2', '--interval', '200'], env);
    await tail.waitForOutput(/tailing delivery attempts/);

    const msgId = await trigger({ id: 'ord_2' });
    const attempts = await eventually(async () => {
      const listed = await attemptsOf(msgId);
      return listed.length >= 2 ? listed : undefined;
    }, 15_000, 'a failed attempt and its retry');
    assert.deepEqual(attempts.map((attempt) => [attempt.endpointId, attempt.responseStatusCode, attempt.statusText, attempt.response]), [
      [endpointId, 500, 'fail', 'local bug'],
      [endpointId, 200, 'success', 'fixed'],
    ]);

    const tailed = await tail.exited;
    assert.equal(tailed.code, 0, tailed.stderr);
    const lines = tailed.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(lines.map((line) => [line.msgId, line.eventType, line.endpointId, line.statusCode, line.status]), [
      [msgId, 'order.paid', endpointId, 500, 'fail'],
      [msgId, 'order.paid', endpointId, 200, 'success'],
    ]);

    cli.child.kill('SIGKILL');
    await eventually(async () => ((await endpointIds()).includes(endpointId) ? undefined : true), 5_000, 'the endpoint of a killed CLI to be deleted');
  });

  test('an unreachable local URL is a 502 attempt; a wrong token is refused; other loopback targets stay refused', async () => {
    await receiver.close();
    const { cli, endpointId } = await listen();
    const msgId = await trigger({ id: 'ord_3' });
    const [attempt] = await eventually(async () => {
      const listed = await attemptsOf(msgId);
      return listed.length > 0 ? listed : undefined;
    }, 10_000, 'the attempt');
    assert.equal(attempt!.endpointId, endpointId);
    assert.equal(attempt!.responseStatusCode, 502);
    assert.match(attempt!.response, /could not reach the local URL: ECONNREFUSED/);
    cli.child.kill('SIGINT');
    await cli.exited;

    const port = new URL(herald.url).port;
    for (const url of [`http://127.0.0.1:${port}/relay/anything`, `http://127.0.0.1:${port}/api/v1/app`, 'http://localhost:6379/relay/x']) {
      const refused = await api('POST', '/api/v1/app/shop/endpoint', { url });
      assert.equal(refused.status, 422, `${url} is refused`);
    }
    const wrongToken = await startCli(['listen', '--app', 'shop', '--forward-to', 'http://127.0.0.1:1/'], { ...env, HERALD_TOKEN: 'sk_wrong_token_0123456789' }).exited;
    assert.equal(wrongToken.code, 1);
    assert.match(wrongToken.stderr, /refused the listen session: 401 unauthorized/);

    const closedSession = await fetch(`${herald.url}/relay/no-such-session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(closedSession.status, 410);
  });
});
