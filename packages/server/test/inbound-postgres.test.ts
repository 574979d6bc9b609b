import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { sign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import { SecretBox, generateSecret, newId } from '@herald/core';
import { newSourceToken, withSecretEncryption, type Store } from '@herald/storage';
import { PostgresStore } from '@herald/storage-postgres';
import { startReceiver, tempDir, type Receiver } from '@herald/testing';
import { TEST_ENCRYPTION_KEY, postgresModeEnv, postgresTestDatabase } from '@herald/testing/postgres';
import { loadConfig } from '../src/config.ts';
import { startHerald, type RunningHerald } from '../src/start.ts';

const database = await postgresTestDatabase();

describe('PostgreSQL mode: an API process accepts inbound requests, a worker process routes and delivers them', { skip: !database }, () => {
  const dir = tempDir('herald-inbound-pg-');
  let api: RunningHerald;
  let worker: RunningHerald;
  let store: Store;
  let target: Receiver;
  before(async () => {
    const env = (role: 'api' | 'worker') => postgresModeEnv(database!.url, role, dir.path, { HERALD_INBOUND_MAX_BODY_BYTES: '2048' });
    api = await startHerald(loadConfig(env('api')), pino({ level: 'silent' }));
    worker = await startHerald(loadConfig(env('worker')), pino({ level: 'silent' }));
    store = withSecretEncryption(new PostgresStore({ connectionString: database!.url, poolSize: 2 }), SecretBox.fromBase64([TEST_ENCRYPTION_KEY]));
    target = await startReceiver();
  });
  after(async () => {
    await api?.stop();
    await worker?.stop();
    await store?.close();
    await target?.close();
    dir.remove();
  });

  test('a signed GitHub request is answered by the API, then routed by the worker to the endpoint whose filter matches, once', async () => {
    const token = `tok_${newId('src').slice(4)}`;
    const source = await store.createSource({
      id: newId('src'), uid: null, name: 'gh', type: 'github', config: { secret: 'gh-secret' }, metadata: {}, appId: newId('app'),
      disabled: false, allowedCidrs: null, rateLimit: null, response: null, dedupe: null,
    }, newSourceToken(token), Date.now());
    const secret = generateSecret();
    const endpoint = (url: string, filter: unknown, endpointSecret = generateSecret()) => store.createEndpoint({
      id: newId('ep'), appId: source.appId, uid: null, url, description: '', disabled: false, eventTypes: null, channels: null,
      headers: {}, throttleRate: null, metadata: {}, version: 1, secret: endpointSecret, filter, forwardHeaders: ['x-github-event'],
    }, Date.now());
    const matching = await endpoint(target.url, { headers: { 'x-github-event': 'push' } }, secret);
    const other = await endpoint(`${target.url}/never`, { headers: { 'x-github-event': 'issues' } });

    const body = '{"ref":"refs/heads/main",  "n": 1}';
    const send = async (delivery: string, payload = body) => fetch(`${api.url}/in/${token}`, {
      method: 'POST', body: payload,
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': await sign('gh-secret', payload) },
    });
    const accepted = await send('pg-1');
    assert.equal(accepted.status, 200);
    const requestId = accepted.headers.get('herald-request-id')!;
    assert.equal((await store.getInboundRequest(source.id, requestId))?.verdict, 'accepted', 'committed before the answer');
    assert.equal((await send('pg-1')).status, 200, 'a duplicate is answered 2xx too');

    const [forward] = await target.waitFor(1);
    assert.equal(forward!.body, body);
    assert.equal(forward!.headers['x-github-event'], 'push');
    assert.doesNotThrow(() => new Webhook(secret).verify(forward!.body, forward!.headers));
    const outcomes = new Map((await store.listRouteOutcomes(requestId)).map((outcome) => [outcome.endpointId, outcome.outcome]));
    assert.equal(outcomes.get(matching.id), 'forwarded');
    assert.equal(outcomes.get(other.id), 'filtered');

    // A marker after the duplicate: once it has arrived, the duplicate would have as well.
    await send('pg-marker', '{"marker":true}');
    const arrived = await target.waitFor(2);
    assert.deepEqual(arrived.map((request) => request.body), [body, '{"marker":true}']);
    assert.equal((await fetch(`${api.url}/in/${token}`, { method: 'POST', body: 'x'.repeat(2049) })).status, 413);
  });
});
