import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerFetch, startTestHerald, type TestHerald } from '@herald/testing';

describe('API tokens and app-portal access', () => {
  let herald: TestHerald;
  const call = (path: string, token: string, method = 'GET', json?: unknown) => bearerFetch(herald.url + path, token, method, json);
  const admin = (path: string, method = 'GET', json?: unknown) => call(path, herald.token, method, json);
  const portalToken = async (appId: string, body: unknown = {}) => {
    const response = await admin(`/api/v1/auth/app-portal-access/${appId}`, 'POST', body);
    assert.equal(response.status, 200);
    return (await response.json()) as { url: string; token: string };
  };

  before(async () => {
    herald = await startTestHerald({ HERALD_PUBLIC_URL: 'https://herald.example.com/' });
    for (const uid of ['shop', 'other']) assert.equal((await admin('/api/v1/app', 'POST', { name: uid, uid })).status, 201);
    assert.equal((await admin('/api/v1/event-type', 'POST', { name: 'order.paid', description: 'paid' })).status, 201);
  });
  after(() => herald.stop());

  test('an app-portal token works on its own application, by id or uid, and reads the event-type catalogue', async () => {
    const { url, token } = await portalToken('shop');
    assert.match(token, /^appsk_/);
    const shop = (await (await call('/api/v1/app/shop', token)).json()) as { id: string };
    assert.equal(url, `https://herald.example.com/ui/portal#${new URLSearchParams({ token, app: shop.id })}`);
    const created = await call(`/api/v1/app/${shop.id}/endpoint`, token, 'POST', { url: 'http://127.0.0.1:9/hook' });
    assert.equal(created.status, 201);
    assert.equal((await call('/api/v1/app/shop/endpoint', token)).status, 200);
    assert.equal((await call('/api/v1/app/shop/msg', token, 'POST', { eventType: 'order.paid', payload: {} })).status, 202);
    assert.equal((await call('/api/v1/event-type', token)).status, 200);
    assert.equal((await call('/api/v1/event-type/order.paid', token)).status, 200);
  });

  test('an app-portal token gets the same 404 for another application as for one that does not exist', async () => {
    const { token } = await portalToken('shop');
    const other = await call('/api/v1/app/other/endpoint', token);
    const absent = await call('/api/v1/app/absent/endpoint', token);
    assert.equal(other.status, 404);
    assert.deepEqual(await other.json(), await absent.json());
    assert.equal((await call('/api/v1/app/other', token, 'DELETE')).status, 404);
    assert.equal((await call('/api/v1/app/other/msg', token, 'POST', { eventType: 'order.paid', payload: {} })).status, 404);
  });

  test('organisation routes answer an app-portal token 404, as an unknown route would', async () => {
    const { token } = await portalToken('shop');
    for (const [method, path] of [['GET', '/api/v1/app'], ['POST', '/api/v1/app'], ['POST', '/api/v1/event-type'],
      ['POST', '/api/v1/auth/app-portal-access/shop'], ['GET', '/api/v1/auth/token'], ['GET', '/api/v1/audit']] as const) {
      const response = await call(path, token, method, method === 'POST' ? { name: 'x' } : undefined);
      assert.equal(response.status, 404, `${method} ${path}`);
      assert.equal(((await response.json()) as { detail: string }).detail, `Route ${method} ${path} not found.`);
    }
    assert.equal((await call('/api/v1/app/shop', token, 'DELETE')).status, 403, 'its own application is visible but not deletable');
  });

  test('event types behind a feature flag are shown only to portal tokens that carry the flag', async () => {
    assert.equal((await admin('/api/v1/event-type', 'POST', { name: 'beta.thing', description: 'b', featureFlag: 'beta' })).status, 201);
    const names = async (token: string) =>
      ((await (await call('/api/v1/event-type', token)).json()) as { data: Array<{ name: string }> }).data.map((type) => type.name);
    const plain = await portalToken('shop');
    const flagged = await portalToken('shop', { featureFlags: ['beta'] });
    assert.ok(!(await names(plain.token)).includes('beta.thing'));
    assert.equal((await call('/api/v1/event-type/beta.thing', plain.token)).status, 404);
    assert.ok((await names(flagged.token)).includes('beta.thing'));
    assert.ok((await names(herald.token)).includes('beta.thing'));
  });

  test('Idempotency-Keys are scoped to the calling token', async () => {
    const [first, second] = [await portalToken('shop'), await portalToken('shop')];
    const send = (token: string) => fetch(`${herald.url}/api/v1/app/shop/msg`, {
      method: 'POST',
      body: JSON.stringify({ eventType: 'order.paid', payload: { n: 1 } }),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'same-key' },
    });
    const original = (await (await send(first.token)).json()) as { id: string };
    const replay = await send(first.token);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(((await replay.json()) as { id: string }).id, original.id);
    const other = await send(second.token);
    assert.equal(other.status, 202);
    assert.equal(other.headers.get('idempotent-replayed'), null);
    assert.notEqual(((await other.json()) as { id: string }).id, original.id);
  });

  test('a read-only portal token reads but cannot write; an expired one gets 401', async () => {
    const { token } = await portalToken('shop', { readOnly: true });
    assert.equal((await call('/api/v1/app/shop/endpoint', token)).status, 200);
    assert.equal((await call('/api/v1/app/shop/endpoint', token, 'POST', { url: 'http://127.0.0.1:9/x' })).status, 403);
    const short = await portalToken('shop', { expiry: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    assert.equal((await call('/api/v1/app/shop', short.token)).status, 401);
  });

  test('logout revokes the calling token; the admin revokes any token by id', async () => {
    const { token } = await portalToken('shop');
    assert.equal((await call('/api/v1/auth/logout', token, 'POST')).status, 204);
    assert.equal((await call('/api/v1/app/shop', token)).status, 401);

    const unscoped = await admin('/api/v1/auth/token', 'POST', { description: 'ci' });
    assert.equal(unscoped.status, 422, 'scopes must be named: no default read-write token');
    assert.deepEqual(((await unscoped.json()) as { detail: Array<{ loc: string[] }> }).detail[0]!.loc, ['body', 'scopes']);
    assert.equal((await admin('/api/v1/auth/token', 'POST', {})).status, 422);
    const created = await admin('/api/v1/auth/token', 'POST', { description: 'ci', scopes: ['read', 'write'] });
    assert.equal(created.status, 201);
    const org = (await created.json()) as { id: string; token: string; kind: string; scopes: string[] };
    assert.equal(org.kind, 'organisation');
    assert.deepEqual(org.scopes, ['read', 'write']);
    assert.equal((await call('/api/v1/app', org.token)).status, 200);
    assert.equal((await call('/api/v1/app/other/endpoint', org.token)).status, 200, 'an organisation token reaches every application');
    assert.equal((await call('/api/v1/auth/token', org.token)).status, 403, 'token management is the admin\'s');
    const listed = (await (await admin('/api/v1/auth/token?limit=250')).json()) as { data: Array<Record<string, unknown>> };
    assert.ok(listed.data.some((entry) => entry.id === org.id));
    assert.ok(listed.data.every((entry) => !('token' in entry) && !('tokenSha256' in entry)), 'listings never show a token or its hash');
    assert.equal((await admin(`/api/v1/auth/token/${org.id}`, 'DELETE')).status, 204);
    assert.equal((await call('/api/v1/app', org.token)).status, 401);
    assert.ok(((await (await admin(`/api/v1/auth/token/${org.id}`)).json()) as { revokedAt: string | null }).revokedAt);
  });

  test('a read-scoped organisation token cannot write, and portal access can create its application', async () => {
    const org = (await (await admin('/api/v1/auth/token', 'POST', { scopes: ['read'] })).json()) as { token: string };
    assert.equal((await call('/api/v1/app', org.token, 'POST', { name: 'nope' })).status, 403);
    const { token } = await portalToken('fresh', { application: { name: 'Fresh' } });
    assert.equal(((await (await call('/api/v1/app/fresh', token)).json()) as { uid: string }).uid, 'fresh');
    assert.equal((await admin('/api/v1/auth/logout', 'POST')).status, 400, 'the admin token is configured, not revoked');
  });
});
