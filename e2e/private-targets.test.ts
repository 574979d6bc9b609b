import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException, Svix } from 'svix';
import { loadConfig, startHerald } from '@herald/server';
import pino from 'pino';
import { cleanupList, TEST_ADMIN_TOKEN, eventually, startReceiver, tempDir, testEnv } from '@herald/testing';

// Every cleanup runs even if another fails, so that a Herald or a server left running cannot hang the file.
const cleanups = cleanupList();
after(() => cleanups.run());

// The second start runs delivery in the main thread (HERALD_DELIVERY_THREAD=false), so both ways
// of running the engine are exercised end to end.
async function start(dataDir: string, allowPrivate: boolean) {
  const herald = await startHerald(loadConfig(testEnv(dataDir, {
    HERALD_ALLOW_PRIVATE_TARGETS: String(allowPrivate),
    HERALD_DELIVERY_THREAD: String(allowPrivate),
  })), pino({ level: 'silent' }));
  return { herald, svix: new Svix(TEST_ADMIN_TOKEN, { serverUrl: herald.url }) };
}

test('without HERALD_ALLOW_PRIVATE_TARGETS a loopback URL is refused at create and at send', async () => {
  const receiver = await startReceiver();
  const dir = tempDir();
  cleanups.add(() => receiver.close(), () => dir.remove());

  // An endpoint made while private targets were allowed (development), then Herald restarted without.
  const dev = await start(dir.path, true);
  const app = await dev.svix.application.create({ name: 'ssrf' });
  const endpoint = await dev.svix.endpoint.create(app.id, { url: receiver.url });
  await dev.herald.stop();

  const prod = await start(dir.path, false);
  cleanups.add(() => prod.herald.stop());
  await assert.rejects(prod.svix.endpoint.create(app.id, { url: 'http://127.0.0.1:9/hook' }),
    (error: unknown) => error instanceof ApiException && error.code === 422);
  await assert.rejects(prod.svix.endpoint.create(app.id, { url: 'http://localhost:9/hook' }),
    (error: unknown) => error instanceof ApiException && error.code === 422);

  const message = await prod.svix.message.create(app.id, { eventType: 'x.y', payload: {} });
  const attempt = await eventually(async () => (await prod.svix.messageAttempt.listByMsg(app.id, message.id)).data[0]);
  assert.equal(attempt.endpointId, endpoint.id);
  assert.equal(attempt.status, 2);
  assert.equal(attempt.responseStatusCode, 0);
  assert.match(attempt.response, /blocked-address/);
  assert.equal(receiver.requests.length, 0, 'the loopback receiver got no request');
});
