import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException, Svix } from 'svix';
import { bearerFetch, startTestHerald, tempDir, type TestHerald } from '@herald/testing';
import { postgresModeEnv, postgresTestDatabase } from '@herald/testing/postgres';

/**
 * The official svix SDK's ingest resource, unchanged, against a real Herald over loopback HTTP:
 * every source and ingest-endpoint call it has. Run in embedded (SQLite) mode and, when the test
 * server is there, in PostgreSQL mode.
 */
function sdkSuite(mode: string, start: () => Promise<TestHerald>): void {
  describe(`svix.ingest against Herald (${mode})`, () => {
    let herald: TestHerald;
    let svix: Svix;
    const PUBLIC_URL = 'https://hooks.example.com';

    before(async () => {
      herald = await start();
      svix = new Svix(herald.token, { serverUrl: herald.url, numRetries: 0 } as never);
    });
    after(() => herald?.stop());

    const rejects = async (promise: Promise<unknown>, code: number) => {
      await assert.rejects(promise, (error: unknown) => error instanceof ApiException && error.code === code);
    };

    test('sources: create, get by id and uid, list, update, rotate the token, delete', async () => {
      const created = await svix.ingest.source.create({ name: 'GitHub', uid: 'gh-main', type: 'github', config: { secret: 'gh-secret-1' }, metadata: { team: 'infra' } });
      assert.match(created.id, /^src_/);
      assert.equal(created.type, 'github');
      assert.deepEqual(created.config, {}, 'the SDK model of a github config out is empty: no secret');
      assert.deepEqual(created.metadata, { team: 'infra' });
      assert.ok(created.createdAt instanceof Date && !Number.isNaN(created.createdAt.getTime()));
      const token = new URL(created.ingestUrl!).pathname.split('/').pop()!;
      assert.equal(created.ingestUrl, `${PUBLIC_URL}/in/${token}`);
      assert.ok(Buffer.from(token, 'base64url').length >= 16, 'at least 128 bits of token');

      assert.equal((await svix.ingest.source.get(created.id)).name, 'GitHub');
      assert.equal((await svix.ingest.source.get('gh-main')).id, created.id);
      const stripe = await svix.ingest.source.create({ name: 'Stripe', type: 'stripe', config: { secret: 'whsec_stripe' } });
      const svixType = await svix.ingest.source.create({ name: 'Clerk', type: 'clerk', config: { secret: `whsec_${Buffer.alloc(24, 1).toString('base64')}` } });
      const generic = await svix.ingest.source.create({ name: 'Anything', type: 'generic-webhook' });
      assert.equal(generic.type, 'generic-webhook');

      const firstPage = await svix.ingest.source.list({ limit: 2 });
      assert.equal(firstPage.data.length, 2);
      assert.equal(firstPage.done, false);
      const secondPage = await svix.ingest.source.list({ limit: 2, iterator: firstPage.iterator });
      const ids = [...firstPage.data, ...secondPage.data].map((source) => source.id).sort();
      assert.deepEqual(ids, [created.id, stripe.id, svixType.id, generic.id].sort());
      assert.equal(secondPage.done, true);

      const updated = await svix.ingest.source.update(created.id, { name: 'GitHub (org)', uid: 'gh-main', type: 'github', config: {} });
      assert.equal(updated.name, 'GitHub (org)');
      assert.equal(updated.ingestUrl, created.ingestUrl, 'an update keeps the token');

      const rotated = await svix.ingest.source.rotateToken(created.id);
      assert.notEqual(rotated.ingestUrl, created.ingestUrl);
      assert.ok(rotated.ingestUrl.startsWith(`${PUBLIC_URL}/in/`));
      assert.equal((await svix.ingest.source.get(created.id)).ingestUrl, rotated.ingestUrl, 'the source shows its new URL');

      await svix.ingest.source.delete(generic.id);
      await rejects(svix.ingest.source.get(generic.id), 404);
      await rejects(svix.ingest.source.delete(generic.id), 404);
    });

    test('a source uid is unique: a second one gets 409', async () => {
      await svix.ingest.source.create({ name: 'A', uid: 'taken-uid', type: 'generic-webhook' });
      await rejects(svix.ingest.source.create({ name: 'B', uid: 'taken-uid', type: 'generic-webhook' }), 409);
    });

    test('a bad source config is a 422 in Svix\'s validation shape', async () => {
      const error = await svix.ingest.source.create({ name: 'x', type: 'stripe', config: {} as never }).catch((caught: unknown) => caught);
      assert.ok(error instanceof ApiException && error.code === 422);
      const detail = (error.body as { detail: Array<{ loc: string[]; msg: string; type: string }> }).detail;
      assert.ok(detail.some((issue) => issue.loc.join('.') === 'body.config.secret'), JSON.stringify(detail));
    });

    test('endpoints: create, get, list, update, headers, secret and its rotation, transformation, delete', async () => {
      const source = await svix.ingest.source.create({ name: 'Shop', type: 'shopify', config: { secret: 'shpss_1' } });
      const endpoint = await svix.ingest.endpoint.create(source.id, {
        url: 'https://orders.internal.example/hook', description: 'orders', uid: 'orders', metadata: { owner: 'orders' }, throttleRate: 10,
      });
      assert.match(endpoint.id, /^ep_/);
      assert.equal(endpoint.url, 'https://orders.internal.example/hook');
      assert.equal(endpoint.throttleRate, 10);
      assert.equal(endpoint.disabled, false);
      assert.equal((await svix.ingest.endpoint.get(source.id, 'orders')).id, endpoint.id);
      const second = await svix.ingest.endpoint.create(source.id, { url: 'https://audit.internal.example/hook' });

      const listed = await svix.ingest.endpoint.list(source.id, { limit: 1 });
      assert.equal(listed.data.length, 1);
      const rest = await svix.ingest.endpoint.list(source.id, { limit: 10, iterator: listed.iterator });
      assert.deepEqual([...listed.data, ...rest.data].map((item) => item.id).sort(), [endpoint.id, second.id].sort());

      const updated = await svix.ingest.endpoint.update(source.id, endpoint.id, { url: 'https://orders.internal.example/v2', disabled: true });
      assert.equal(updated.url, 'https://orders.internal.example/v2');
      assert.equal(updated.disabled, true);

      await svix.ingest.endpoint.updateHeaders(source.id, endpoint.id, { headers: { 'X-Team': 'orders', Authorization: 'Bearer internal' } });
      assert.deepEqual(await svix.ingest.endpoint.getHeaders(source.id, endpoint.id), { headers: { 'X-Team': 'orders' }, sensitive: ['Authorization'] });

      const { key } = await svix.ingest.endpoint.getSecret(source.id, endpoint.id);
      assert.match(key, /^whsec_/);
      const chosen = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;
      await svix.ingest.endpoint.rotateSecret(source.id, endpoint.id, { key: chosen });
      assert.equal((await svix.ingest.endpoint.getSecret(source.id, endpoint.id)).key, chosen);
      await svix.ingest.endpoint.rotateSecret(source.id, endpoint.id);
      const generated = (await svix.ingest.endpoint.getSecret(source.id, endpoint.id)).key;
      assert.match(generated, /^whsec_/);
      assert.notEqual(generated, chosen);

      assert.deepEqual(await svix.ingest.endpoint.getTransformation(source.id, endpoint.id), { code: null, enabled: false });
      const code = 'function handler(webhook) { webhook.payload.routed = true; return webhook; }';
      await svix.ingest.endpoint.setTransformation(source.id, endpoint.id, { code });
      assert.deepEqual(await svix.ingest.endpoint.getTransformation(source.id, endpoint.id), { code, enabled: false });
      await svix.ingest.endpoint.setTransformation(source.id, endpoint.id, { enabled: true });
      assert.deepEqual(await svix.ingest.endpoint.getTransformation(source.id, endpoint.id), { code, enabled: true }, 'a field left out keeps its value');
      await rejects(svix.ingest.endpoint.getTransformation(source.id, 'ep_missing'), 404);

      await svix.ingest.endpoint.delete(source.id, second.id);
      await rejects(svix.ingest.endpoint.get(source.id, second.id), 404);
      await rejects(svix.ingest.endpoint.get('src_missing', endpoint.id), 404);
    });

    test('an endpoint belongs to its source: another source\'s path finds nothing', async () => {
      const one = await svix.ingest.source.create({ name: 'one', type: 'generic-webhook' });
      const two = await svix.ingest.source.create({ name: 'two', type: 'generic-webhook' });
      const endpoint = await svix.ingest.endpoint.create(one.id, { url: 'https://one.example/hook' });
      await rejects(svix.ingest.endpoint.get(two.id, endpoint.id), 404);
      await rejects(svix.ingest.endpoint.delete(two.id, endpoint.id), 404);
      assert.equal((await svix.ingest.endpoint.get(one.id, endpoint.id)).id, endpoint.id);
    });

    test('deleting a source deletes its endpoints', async () => {
      const source = await svix.ingest.source.create({ name: 'short-lived', type: 'generic-webhook' });
      await svix.ingest.endpoint.create(source.id, { url: 'https://gone.example/hook' });
      await svix.ingest.source.delete(source.id);
      await rejects(svix.ingest.endpoint.list(source.id), 404);
    });

    test('an application token gets 404 on every ingest route, as for a route that does not exist', async () => {
      const source = await svix.ingest.source.create({ name: 'private', type: 'generic-webhook' });
      const app = await svix.application.create({ name: 'portal-app' });
      const { token } = (await (await bearerFetch(`${herald.url}/api/v1/auth/app-portal-access/${app.id}`, herald.token, 'POST', {})).json()) as { token: string };
      const portal = new Svix(token, { serverUrl: herald.url, numRetries: 0 } as never);
      await rejects(portal.ingest.source.list(), 404);
      await rejects(portal.ingest.source.get(source.id), 404);
      await rejects(portal.ingest.source.create({ name: 'x', type: 'generic-webhook' }), 404);
      await rejects(portal.ingest.endpoint.list(source.id), 404);
      await rejects(portal.ingest.source.rotateToken(source.id), 404);
    });

    test('an organisation token manages sources; a read-only one reads but cannot write', async () => {
      const mint = async (scopes: string[]) =>
        ((await (await bearerFetch(`${herald.url}/api/v1/auth/token`, herald.token, 'POST', { scopes })).json()) as { token: string }).token;
      const org = new Svix(await mint(['read', 'write']), { serverUrl: herald.url, numRetries: 0 } as never);
      const source = await org.ingest.source.create({ name: 'by-org', type: 'generic-webhook' });
      assert.equal((await org.ingest.source.get(source.id)).id, source.id);
      const reader = new Svix(await mint(['read']), { serverUrl: herald.url, numRetries: 0 } as never);
      assert.equal((await reader.ingest.source.get(source.id)).id, source.id);
      await rejects(reader.ingest.source.delete(source.id), 403);
    });

    test('no token is a 401', async () => {
      const anonymous = new Svix('nope', { serverUrl: herald.url, numRetries: 0 } as never);
      await rejects(anonymous.ingest.source.list(), 401);
    });
  });
}

sdkSuite('SQLite', () => startTestHerald({ HERALD_PUBLIC_URL: 'https://hooks.example.com' }));

const database = await postgresTestDatabase();
if (database) {
  sdkSuite('PostgreSQL', async () => {
    const dir = tempDir();
    const herald = await startTestHerald(postgresModeEnv(database.url, 'all', dir.path, { HERALD_PUBLIC_URL: 'https://hooks.example.com' }));
    return { ...herald, stop: async () => { await herald.stop(); dir.remove(); } };
  });
}
