import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHerald, type TestHerald } from '@herald/testing';
import { createPoller, type CreatedPoller } from './support/polling.ts';

let herald: TestHerald;
let appId: string;
let poller: CreatedPoller;

before(async () => {
  herald = await startTestHerald();
  const app = await fetch(`${herald.url}/api/v1/app`, {
    method: 'POST', headers: { authorization: `Bearer ${herald.token}`, 'content-type': 'application/json' }, body: '{"name":"bad input"}',
  });
  appId = ((await app.json()) as { id: string }).id;
  poller = await createPoller(herald.url, herald.token, appId, {});
});
after(() => herald.stop());

const call = async (path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) => {
  const response = await fetch(`${herald.url}/api/v1/app/${appId}/poller${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${herald.token}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await response.text();
  return { status: response.status, text };
};

test('bogus iterators, huge limits, bad waits and bad consumer names are 4xx, never 5xx', async () => {
  const base = `/${poller.id}`;
  const cases: Array<[string, Parameters<typeof call>[1]?]> = [
    [`${base}?iterator=nonsense`],
    [`${base}?iterator=${Buffer.from('1.2.3').toString('base64url')}`],
    [`${base}?iterator=${Buffer.from('99999999999999999999.1').toString('base64url')}`],
    [`${base}?iterator=${Buffer.from('1.99999999999999999999').toString('base64url')}`],
    [`${base}?iterator=${'A'.repeat(5000)}`],
    [`${base}?iterator=%00%ff`],
    [`${base}?limit=100000000`],
    [`${base}?limit=0`],
    [`${base}?limit=-5`],
    [`${base}?limit=abc`],
    [`${base}?wait=-1s`],
    [`${base}?wait=61s`],
    [`${base}?wait=forever`],
    [`${base}?after=yesterday`],
    [`${base}?event_type=${'x'.repeat(300)}`],
    [`${base}?channel=a%20b`],
    [`${base}/consumer/bad%20name`],
    [`${base}/consumer/${'c'.repeat(300)}`],
    [`${base}/consumer/ok?iterator=nonsense`],
    [`${base}/consumer/ok?wait=-3`],
    [`${base}/consumer/ok/seek`, { method: 'POST', body: '{"after":"not a date"}' }],
    [`${base}/consumer/ok/seek`, { method: 'POST', body: '{}' }],
    [`${base}/consumer/ok/seek`, { method: 'POST', body: '[1,2' }],
    [`${base}/stream`, { headers: { 'last-event-id': 'nonsense' } }],
    [`${base}/stream?heartbeat=0`],
    ['', { method: 'POST', body: '{"filterTypes":"not a list"}' }],
    ['', { method: 'POST', body: '{"uid":"has space"}' }],
    [base, { method: 'PATCH', body: '{"channels":[""]}' }],
    ['/poll_nope'],
    ['/poll_nope/consumer/x'],
    ['/poll_nope/consumer/x/seek', { method: 'POST', body: '{"after":"2026-01-01T00:00:00Z"}' }],
    ['/poll_nope/stream'],
    ['/poll_nope', { method: 'DELETE' }],
  ];
  for (const [path, init] of cases) {
    const { status, text } = await call(path, init);
    assert.ok(status >= 400 && status < 500, `${init?.method ?? 'GET'} ${path.slice(0, 80)} answered ${status}: ${text.slice(0, 200)}`);
  }
});

test('a poll of an unknown polling endpoint is 404, and a consumer name never used reads from the start', async () => {
  assert.equal((await call('/poll_2ZjXfakefakefakefakefakefak')).status, 404);
  const fresh = await call(`/${poller.id}/consumer/never-used`);
  assert.equal(fresh.status, 200);
  assert.deepEqual((JSON.parse(fresh.text) as { data: unknown[] }).data, []);
});

test('a token waits on at most 20 requests at once; the next one is 429', async () => {
  const controller = new AbortController();
  const waiting = Array.from({ length: 20 }, () => fetch(`${herald.url}/api/v1/app/${appId}/poller/${poller.id}?wait=30s`, {
    headers: { authorization: `Bearer ${poller.token}` }, signal: controller.signal,
  }).catch(() => undefined));
  try {
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 429; attempt++) {
      const response = await fetch(`${herald.url}/api/v1/app/${appId}/poller/${poller.id}?wait=1s`, { headers: { authorization: `Bearer ${poller.token}` } });
      status = response.status;
      await response.text();
    }
    assert.equal(status, 429);
    // Another token is not held back by this one's waits.
    assert.equal((await call(`/${poller.id}?wait=0s`)).status, 200);
  } finally {
    controller.abort();
    await Promise.all(waiting);
  }
});
