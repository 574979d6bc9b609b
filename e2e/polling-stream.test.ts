import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHerald, type TestHerald } from '@herald/testing';
import { createPoller } from './support/polling.ts';

let herald: TestHerald;
before(async () => {
  herald = await startTestHerald();
});
after(() => herald.stop());

test('an idle live stream sends heartbeat comments, and ends when Herald stops', async () => {
  const app = await (await fetch(`${herald.url}/api/v1/app`, {
    method: 'POST', headers: { authorization: `Bearer ${herald.token}`, 'content-type': 'application/json' }, body: '{"name":"idle"}',
  })).json() as { id: string };
  const poller = await createPoller(herald.url, herald.token, app.id, {});
  const response = await fetch(`${herald.url}/api/v1/app/${app.id}/poller/${poller.id}/stream?heartbeat=1`, {
    headers: { authorization: `Bearer ${poller.token}` },
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('cache-control'), 'no-cache, no-transform');
  const decoder = new TextDecoder();
  let text = '';
  const reader = response.body!.getReader();
  while (!text.includes(': heartbeat\n\n')) {
    const { value, done } = await reader.read();
    assert.ok(!done, 'the stream stayed open until a heartbeat');
    text += decoder.decode(value, { stream: true });
  }
  assert.ok(!text.includes('data:'), 'no message was sent on an empty endpoint');
  // Herald's shutdown ends the stream instead of waiting for the client to go.
  const stopping = herald.stop();
  for (;;) {
    const { done } = await reader.read();
    if (done) break;
  }
  await stopping;
  herald = { ...herald, stop: async () => undefined };
});
