import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import { SecretBox, generateSecret, newId } from '@herald/core';
import { newSourceToken, withSecretEncryption, type Store } from '@herald/storage';
import { SqliteStore } from '@herald/storage-sqlite';
import { eventually, startReceiver, startTestHerald, tempDir, type Receiver, type TestHerald } from '@herald/testing';
import pino from 'pino';
import { startRejectedBodyPurge } from '../src/retention.ts';
import { ConfigError, loadConfig } from '../src/config.ts';

const KEY = Buffer.alloc(32, 9).toString('base64');

describe('inbound settings', () => {
  test('defaults: 1 MiB bodies, rejected bodies kept 3 days, no trusted proxies', () => {
    const config = loadConfig({});
    assert.equal(config.inboundMaxBodyBytes, 1_048_576);
    assert.equal(config.inboundRejectedRetentionMs, 3 * 86_400_000);
    assert.deepEqual(config.trustedProxies, []);
    assert.deepEqual(loadConfig({ HERALD_TRUSTED_PROXIES: '10.0.0.0/8, ::1' }).trustedProxies, ['10.0.0.0/8', '::1']);
  });

  test('a bad value stops the start with a message naming the variable', () => {
    for (const [name, value] of [['HERALD_INBOUND_MAX_BODY_BYTES', '12'], ['HERALD_INBOUND_REJECTED_RETENTION', 'three days'], ['HERALD_TRUSTED_PROXIES', '10.0.0.0/40']]) {
      assert.throws(() => loadConfig({ [name!]: value }), (error: unknown) => error instanceof ConfigError && error.message.includes(name!), name);
    }
  });
});

test('rejected requests\' bodies are purged once past HERALD_INBOUND_REJECTED_RETENTION; accepted and newer ones are kept', async () => {
  const dir = tempDir();
  const sqlite = new SqliteStore({ path: join(dir.path, 'herald.db') });
  await sqlite.migrate();
  const day = 86_400_000;
  const t0 = Date.UTC(2026, 0, 1);
  const source = await sqlite.createSource({
    id: newId('src'), uid: null, name: 's', type: 'generic-webhook', config: {}, metadata: {}, appId: newId('app'),
    disabled: false, allowedCidrs: null, rateLimit: null, response: null, dedupe: null,
  }, newSourceToken('t'), t0);
  const request = (at: number, verdict: 'accepted' | 'rejected') => ({
    id: newId('inreq', at), sourceId: source.id, receivedAt: at, method: 'POST', path: '/', query: '', headers: {}, body: Buffer.from('body'),
    sourceIp: '127.0.0.1', verdict, rejectReason: verdict === 'rejected' ? 'verification_failed: bad_signature' : null, dedupeKey: null, eventType: 'inbound',
  });
  const [old, oldAccepted, recent] = [request(t0, 'rejected'), request(t0, 'accepted'), request(t0 + 2 * day, 'rejected')];
  await (sqlite as Store).recordInboundRequests([old, oldAccepted, recent], t0 + 2 * day);
  const purge = startRejectedBodyPurge(sqlite, 3 * day, () => t0 + 3 * day + 1, pino({ level: 'silent' }));
  try {
    await eventually(async () => ((await sqlite.getInboundRequest(source.id, old.id))?.body === null ? true : undefined), 5_000, 'the purge');
    assert.equal((await sqlite.getInboundRequest(source.id, oldAccepted.id))?.body?.toString(), 'body');
    assert.equal((await sqlite.getInboundRequest(source.id, recent.id))?.body?.toString(), 'body');
  } finally {
    purge.stop();
    await sqlite.close();
    dir.remove();
  }
});

describe('embedded Herald receives, routes and delivers inbound requests (delivery thread on)', () => {
  let herald: TestHerald;
  let store: Store;
  let target: Receiver;
  before(async () => {
    herald = await startTestHerald({ HERALD_ENCRYPTION_KEY: KEY, HERALD_INBOUND_MAX_BODY_BYTES: '2048' });
    // A second connection to the same file, with the same key: the management API is not this suite's subject.
    const sqlite = new SqliteStore({ path: join(herald.dataDir, 'herald.db') });
    store = withSecretEncryption(sqlite, SecretBox.fromBase64([KEY]));
    target = await startReceiver();
  });
  after(async () => {
    await store.close();
    await herald.stop();
    await target.close();
  });

  test('a signed GitHub request reaches its endpoint with the original body, content type and the listed headers, signed', async () => {
    const secret = generateSecret();
    const token = `tok_${newId('src').slice(4)}`;
    const source = await store.createSource({
      id: newId('src'), uid: null, name: 'gh', type: 'github', config: { secret: 'gh-secret' }, metadata: {}, appId: newId('app'),
      disabled: false, allowedCidrs: null, rateLimit: null, response: null, dedupe: null,
    }, newSourceToken(token), Date.now());
    await store.createEndpoint({
      id: newId('ep'), appId: source.appId, uid: null, url: target.url, description: '', disabled: false, eventTypes: null, channels: null,
      headers: {}, throttleRate: null, metadata: {}, version: 1, secret, filter: { headers: { 'x-github-event': 'push' } }, forwardHeaders: ['x-github-event'],
    }, Date.now());
    const body = '{"ref": "refs/heads/main"}';
    const response = await fetch(`${herald.url}/in/${token}`, {
      method: 'POST', body,
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'd1', 'x-hub-signature-256': await sign('gh-secret', body) },
    });
    assert.equal(response.status, 200);
    const [forward] = await target.waitFor(1);
    assert.equal(forward!.body, body);
    assert.equal(forward!.headers['x-github-event'], 'push');
    assert.equal(forward!.headers['x-hub-signature-256'], undefined);
    assert.doesNotThrow(() => new Webhook(secret).verify(forward!.body, forward!.headers));

    const tooLarge = await fetch(`${herald.url}/in/${token}`, { method: 'POST', body: 'x'.repeat(2049) });
    assert.equal(tooLarge.status, 413, 'HERALD_INBOUND_MAX_BODY_BYTES applies');
    const metrics = await (await fetch(`${herald.url}/metrics`)).text();
    assert.match(metrics, /herald_inbound_requests_total\{verdict="accepted",reason=""\} 1\n/);
    assert.match(metrics, /herald_inbound_requests_total\{verdict="rejected",reason="payload_too_large"\} 1\n/);
  });
});
