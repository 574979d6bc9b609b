import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupList, TEST_ADMIN_TOKEN, apiClient, spawnHerald, startReceiver, tempDir, testEnv } from '@herald/testing';

// Every cleanup runs even if another fails, so that a Herald or a server left running cannot hang the file.
const cleanups = cleanupList();
after(() => cleanups.run());

/**
 * In embedded mode the delivery thread writes accepted messages and audit rows for the API's
 * thread. What it writes must be on record, including what is still waiting to be written when
 * Herald is told to stop.
 */
test('messages and audit rows written by the delivery thread are on record, even those of the moment before a stop', async () => {
  const receiver = await startReceiver();
  const dir = tempDir();
  cleanups.add(() => receiver.close(), () => dir.remove());
  const env = testEnv(dir.path, { HERALD_DELIVERY_THREAD: 'true' });

  const first = await spawnHerald(env);
  cleanups.add(() => void first.child.kill('SIGKILL'));
  const call = apiClient(first.url, TEST_ADMIN_TOKEN);
  const app = (await call('POST', '/app', { name: 'writer' })).body as { id: string };
  await call('POST', `/app/${app.id}/endpoint`, { url: receiver.url });
  const sent = await call('POST', `/app/${app.id}/msg`, { eventType: 'order.paid', payload: { n: 1 } });
  assert.equal(sent.status, 202);
  await receiver.waitFor(1, 10_000);
  // Audit rows are written in batches every 200 ms: these are still waiting when the stop comes.
  const last = await call('POST', '/app', { name: 'just before the stop' });
  assert.equal(last.status, 201);
  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0);

  const second = await spawnHerald(env);
  cleanups.add(() => void second.child.kill('SIGKILL'));
  const again = apiClient(second.url, TEST_ADMIN_TOKEN);
  const { body: audit } = await again('GET', '/audit-log?limit=50');
  const routes = (audit as { data: Array<{ method: string; route: string; status: number }> }).data.map((entry) => `${entry.method} ${entry.route} ${entry.status}`);
  assert.ok(routes.includes('POST /api/v1/app/:app_id/msg 202'), routes.join('\n'));
  assert.equal(routes.filter((route) => route === 'POST /api/v1/app 201').length, 2, routes.join('\n'));
  const message = await again('GET', `/app/${app.id}/msg/${(sent.body as { id: string }).id}`);
  assert.equal(message.status, 200);
  second.child.kill('SIGTERM');
  await second.exited;
});
