import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestHerald, type TestHerald } from '@herald/testing';
import { connectionEnv, runCli, startCli } from './run-cli.ts';

let herald: TestHerald;
let appId: string;
let poller: { id: string; token: string };

const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const response = await fetch(`${herald.url}${path}`, {
    method, headers: { authorization: `Bearer ${herald.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  assert.ok(response.ok, await response.clone().text());
  return (await response.json()) as T;
};
const send = async (eventType: string, n: number) => (await api<{ id: string }>('POST', `/api/v1/app/${appId}/msg`, { eventType, payload: { n } })).id;
const lines = (stdout: string) => stdout.trim().split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { id: string; payload: { n: number } });

before(async () => {
  herald = await startTestHerald();
  appId = (await api<{ id: string }>('POST', '/api/v1/app', { name: 'cli poll' })).id;
  poller = await api('POST', `/api/v1/app/${appId}/poller`, { uid: 'orders', filterTypes: ['order.paid'] });
});
after(() => herald.stop());

test('herald poll prints matching messages as JSON lines, and a consumer resumes where it stopped', async () => {
  const ids: string[] = [];
  for (let n = 0; n < 5; n++) {
    ids.push(await send('order.paid', n));
    await send('order.other', n);
  }
  const env = { HERALD_URL: herald.url, HERALD_TOKEN: poller.token };
  const all = await runCli(['poll', '--app', appId, '--poller', 'orders', '--limit', '2'], env);
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(lines(all.stdout).map((m) => m.id), ids);

  const first = await runCli(['poll', '--app', appId, '--poller', 'orders', '--consumer', 'billing', '--count', '3'], env);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(lines(first.stdout).map((m) => m.id), ids.slice(0, 3));
  const rest = await runCli(['poll', '--app', appId, '--poller', 'orders', '--consumer', 'billing'], env);
  assert.deepEqual(lines(rest.stdout).map((m) => m.id), ids.slice(3));
  const none = await runCli(['poll', '--app', appId, '--poller', 'orders', '--consumer', 'billing'], env);
  assert.equal(none.stdout, '');
});

test('herald poll --follow prints messages as they are committed', async () => {
  const follow = startCli(['poll', '--app', appId, '--poller', 'orders', '--consumer', 'live', '--follow', '--count', '7'], connectionEnv(herald));
  const later: string[] = [];
  for (let n = 0; n < 2; n++) later.push(await send('order.paid', 100 + n));
  const result = await follow.exited;
  assert.equal(result.code, 0, result.stderr);
  const printed = lines(result.stdout);
  assert.equal(printed.length, 7);
  assert.deepEqual(printed.slice(5).map((m) => m.id), later);
});

test('herald poll of an unknown polling endpoint fails with the server\'s reason', async () => {
  const result = await runCli(['poll', '--app', appId, '--poller', 'nope'], connectionEnv(herald));
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /404|not found/i);
});
