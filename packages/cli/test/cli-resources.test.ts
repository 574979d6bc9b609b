import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startReceiver, startTestHerald, tempDir, type Receiver, type TestHerald } from '@herald/testing';
import { connectionEnv, runCli } from './run-cli.ts';

describe('herald app, event-type, endpoint, message and trigger against a real Herald', () => {
  let herald: TestHerald;
  let receiver: Receiver;
  let env: Record<string, string>;
  const files = tempDir('herald-cli-');

  before(async () => {
    herald = await startTestHerald();
    receiver = await startReceiver();
    env = connectionEnv(herald);
  });
  after(async () => {
    await receiver.close();
    await herald.stop();
    files.remove();
  });

  test('app create prints the new id, and get, list and delete find it by uid', async () => {
    const created = await runCli(['app', 'create', 'Acme Corp', '--uid', 'acme'], env);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout.trim(), /^app_[0-9A-Za-z]+$/);

    const shown = await runCli(['--json', 'app', 'get', 'acme'], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual({ ...JSON.parse(shown.stdout), createdAt: undefined, updatedAt: undefined },
      { ...JSON.parse(shown.stdout), id: created.stdout.trim(), uid: 'acme', name: 'Acme Corp', createdAt: undefined, updatedAt: undefined });

    await runCli(['app', 'create', 'Doomed', '--uid', 'doomed'], env);
    const table = await runCli(['app', 'list', '--all'], env);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trim().split('\n');
    assert.match(lines[0]!, /^ID\s+UID\s+NAME\s+CREATED$/);
    assert.ok(lines.some((line) => /\sacme\s+Acme Corp\s/.test(line)), table.stdout);

    assert.equal((await runCli(['app', 'delete', 'doomed'], env)).code, 0);
    const gone = await runCli(['app', 'get', 'doomed'], env);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /404 not_found: Application not found/);
  });

  test('event types, endpoints, secrets, trigger, ping and message listing work end to end', async () => {
    await runCli(['app', 'create', 'Shop', '--uid', 'shop'], env);
    const type = await runCli(['event-type', 'create', 'order.paid', '--description', 'An order was paid'], env);
    assert.equal(type.code, 0, type.stderr);
    const types = await runCli(['--json', 'event-type', 'list'], env);
    assert.deepEqual(JSON.parse(types.stdout).map((item: { name: string }) => item.name), ['order.paid']);

    const endpoint = await runCli(['endpoint', 'create', 'shop', receiver.url, '--events', 'order.paid'], env);
    assert.equal(endpoint.code, 0, endpoint.stderr);
    const endpointId = endpoint.stdout.trim();
    assert.match(endpointId, /^ep_/);
    const listed = await runCli(['--json', 'endpoint', 'list', 'shop'], env);
    assert.deepEqual(JSON.parse(listed.stdout).map((item: { id: string; filterTypes: string[] }) => [item.id, item.filterTypes]), [[endpointId, ['order.paid']]]);

    const secret = (await runCli(['endpoint', 'secret', 'get', 'shop', endpointId], env)).stdout.trim();
    assert.match(secret, /^whsec_/);
    const rotated = await runCli(['endpoint', 'secret', 'rotate', 'shop', endpointId], env);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout.trim(), /^whsec_/);
    assert.notEqual(rotated.stdout.trim(), secret);

    const payloadFile = join(files.path, 'order.json');
    writeFileSync(payloadFile, JSON.stringify({ id: 'ord_1', amount: 1200 }));
    const triggered = await runCli(['trigger', 'order.paid', '--app', 'shop', '--data', `@${payloadFile}`], env);
    assert.equal(triggered.code, 0, triggered.stderr);
    const msgId = triggered.stdout.trim();
    assert.match(msgId, /^msg_/);
    const [delivered] = await receiver.waitFor(1);
    assert.equal(delivered!.headers['webhook-id'], msgId);
    assert.deepEqual(JSON.parse(delivered!.body), { id: 'ord_1', amount: 1200 });

    const fromStdin = await runCli(['trigger', 'order.paid', '--app', 'shop', '--data', '@-'], env, '{"id":"ord_2"}');
    assert.equal(fromStdin.code, 0, fromStdin.stderr);

    const ping = await runCli(['endpoint', 'ping', 'shop', endpointId, '--event-type', 'order.paid'], env);
    assert.equal(ping.code, 0, ping.stderr);
    await receiver.waitFor(3);

    const messages = await runCli(['--json', 'message', 'list', 'shop'], env);
    const ids = JSON.parse(messages.stdout).map((item: { id: string }) => item.id);
    assert.ok(ids.includes(msgId) && ids.includes(fromStdin.stdout.trim()) && ids.includes(ping.stdout.trim()), messages.stdout);
    const message = await runCli(['--json', 'message', 'get', 'shop', msgId], env);
    assert.deepEqual(JSON.parse(message.stdout).payload, { id: 'ord_1', amount: 1200 });
    const attempts = await runCli(['message', 'attempts', 'shop', msgId], env);
    assert.match(attempts.stdout, new RegExp(`${endpointId}\\s+success\\s+200\\s`));
  });

  test('errors name the problem and exit 1; bad usage exits 2; a missing token says how to give one', async () => {
    const closedPort = await freePort();
    const [invalid, unknownOption, badJson, noToken, unreachable] = await Promise.all([
      runCli(['endpoint', 'create', 'shop', 'ftp://example.com/hook'], env),
      runCli(['app', 'list', '--colour'], env),
      runCli(['trigger', 'order.paid', '--app', 'shop', '--data', '{nope'], env),
      runCli(['app', 'list'], { HERALD_URL: herald.url, HERALD_TOKEN: '' }),
      runCli(['app', 'list', '--url', `http://127.0.0.1:${closedPort}`], env),
    ]);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /422 validation: body\.url: URL scheme "ftp" is not allowed/);
    assert.equal(unknownOption.code, 2);
    assert.match(unknownOption.stderr, /unknown option '--colour'/);
    assert.equal(badJson.code, 2);
    assert.match(badJson.stderr, /not valid JSON/);
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /401 unauthorized: .*set --token or HERALD_TOKEN/);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, new RegExp(`could not reach Herald at http://127\\.0\\.0\\.1:${closedPort} \\(ECONNREFUSED\\)`));
  });
});

/** A loopback port nothing listens on (it was free a moment ago). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
