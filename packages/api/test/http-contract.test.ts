import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { startTestHerald, type TestHerald } from '@herald/testing';
import { sharedReferenceOrFailUnderCi } from '@herald/testing/shared-reference';
import { CONTRACT_URL } from '../src/openapi.ts';
import { INGEST_PATHS } from '../src/ingest-api/openapi.ts';

// CI clones shared/ beside the repository: there its absence fails the run, like every other skip.
const SHARED_CONTRACT = sharedReferenceOrFailUnderCi('svix-openapi.json');

describe('HTTP behaviour outside the SDK', () => {
  let herald: TestHerald;
  let appId: string;
  const call = (path: string, init: RequestInit & { json?: unknown } = {}) =>
    fetch(herald.url + path, {
      ...init,
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
      headers: {
        authorization: `Bearer ${herald.token}`,
        ...(init.json !== undefined || typeof init.body === 'string' ? { 'content-type': 'application/json' } : {}),
        ...(init.headers as Record<string, string> | undefined),
      },
    });

  before(async () => {
    herald = await startTestHerald({ HERALD_MAX_BODY_BYTES: '2048' });
    appId = ((await (await call('/api/v1/app', { method: 'POST', json: { name: 'http' } })).json()) as { id: string }).id;
  });
  after(() => herald.stop());

  const expectProblem = async (response: Response, status: number, code: string) => {
    assert.equal(response.status, status);
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const body = (await response.json()) as { status: number; code: string; title: string; type: string; detail: unknown };
    assert.equal(body.status, status);
    assert.equal(body.code, code);
    assert.ok(body.title && body.type && body.detail);
    return body;
  };

  test('a body over the limit gets 413, not a 500', async () => {
    const payload = { data: 'x'.repeat(4096) };
    await expectProblem(await call(`/api/v1/app/${appId}/msg`, { method: 'POST', json: { eventType: 'a.b', payload } }), 413, 'payload_too_large');
  });

  test('malformed JSON gets 400, a wrong content type 415, an empty body 400', async () => {
    await expectProblem(await call('/api/v1/app', { method: 'POST', body: '{"name": ' }), 400, 'invalid_json');
    await expectProblem(await call('/api/v1/app', { method: 'POST', body: 'name=x', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type');
    await expectProblem(await call('/api/v1/app', { method: 'POST', body: '' }), 400, 'invalid_json');
  });

  test('wrong types get 422 naming the field', async () => {
    const body = await expectProblem(await call(`/api/v1/app/${appId}/msg`, { method: 'POST', json: { eventType: 'a b', payload: [] } }), 422, 'validation');
    const locations = (body.detail as Array<{ loc: string[] }>).map((issue) => issue.loc.join('.'));
    assert.ok(locations.includes('body.eventType') && locations.includes('body.payload'), locations.join(', '));
  });

  test('no token, a wrong token, and an unknown route are problems too', async () => {
    await expectProblem(await fetch(`${herald.url}/api/v1/app`), 401, 'unauthorized');
    await expectProblem(await fetch(`${herald.url}/api/v1/app`, { headers: { authorization: 'Bearer nope' } }), 401, 'unauthorized');
    await expectProblem(await call('/api/v1/nothing-here'), 404, 'not_found');
  });

  test('Idempotency-Key: same request replays the first response, another request with the key is refused', async () => {
    const key = `key-${Date.now()}`;
    const send = (payload: unknown) =>
      call(`/api/v1/app/${appId}/msg`, { method: 'POST', json: { eventType: 'a.b', payload }, headers: { 'idempotency-key': key } });
    const first = await send({ n: 1 });
    assert.equal(first.status, 202);
    const firstBody = await first.json();
    const replay = await send({ n: 1 });
    assert.equal(replay.status, 202);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(await replay.json(), firstBody);
    await expectProblem(await send({ n: 2 }), 422, 'idempotency_mismatch');
    const list = (await (await call(`/api/v1/app/${appId}/msg?limit=250`)).json()) as { data: Array<{ id: string }> };
    assert.equal(list.data.filter((message) => message.id === (firstBody as { id: string }).id).length, 1);
    assert.equal(list.data.length, 1, 'the replay created no second message');
  });

  test('the served OpenAPI document lists exactly the routes Herald implements, all from the Svix contract or Herald\'s ingest description', async () => {
    const served = (await (await fetch(`${herald.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const contract = JSON.parse(readFileSync(CONTRACT_URL, 'utf8')) as { paths: Record<string, Record<string, unknown>> };
    const servedOps = Object.entries(served.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`));
    for (const op of servedOps) {
      const [method, path] = op.split(' ');
      // Svix's vendored contract has no ingest paths; Herald describes those itself (ingest-api/openapi.ts).
      const described = path!.startsWith('/ingest/') ? INGEST_PATHS[path!]?.[method!] : contract.paths[path!]?.[method!];
      assert.ok(described, `${op} is in the Svix contract or Herald's ingest description`);
    }
    for (const op of ['post /api/v1/app/{app_id}/msg', 'get /api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}', 'post /api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate']) {
      assert.ok(servedOps.includes(op), `${op} is served`);
    }
    assert.ok(servedOps.length >= 35, `served ${servedOps.length} operations`);
  });

  test('the served document describes the secrets Herald takes and the keys it shows, ed25519 ones included', async () => {
    type Schemas = Record<string, { properties: Record<string, { pattern: string }> }>;
    const { components } = (await (await fetch(`${herald.url}/api/v1/openapi.json`)).json()) as { components: { schemas: Schemas } };
    const pattern = (schema: string, field: string) => new RegExp(components.schemas[schema]!.properties[field]!.pattern);
    const ed25519Secret = `whsk_${Buffer.alloc(32, 9).toString('base64')}`;
    for (const schema of ['EndpointIn', 'EndpointSecretRotateIn']) {
      const field = schema === 'EndpointIn' ? 'secret' : 'key';
      assert.match(ed25519Secret, pattern(schema, field), `${schema}.${field} takes a whsk_ secret`);
      assert.match(`whsec_${'A'.repeat(32)}`, pattern(schema, field));
      assert.doesNotMatch('whsk_short', pattern(schema, field));
    }
    for (const secret of [ed25519Secret, undefined]) {
      const created = (await (await call(`/api/v1/app/${appId}/endpoint`, {
        method: 'POST', json: { url: 'https://example.com/hook', ...(secret ? { secret } : {}) },
      })).json()) as { id: string };
      const { key } = (await (await call(`/api/v1/app/${appId}/endpoint/${created.id}/secret`)).json()) as { key: string };
      assert.match(key, secret ? /^whpk_/ : /^whsec_/);
      assert.match(key, pattern('EndpointSecretOut', 'key'), `the key shown (${key.slice(0, 5)}…) fits the served pattern`);
    }
  });

  test('the vendored contract is the shared reference, byte for byte', { skip: !SHARED_CONTRACT && 'shared/ not present' }, () => {
    assert.equal(readFileSync(CONTRACT_URL, 'utf8'), readFileSync(SHARED_CONTRACT!, 'utf8'));
  });

  test('/metrics is Prometheus text with the delivery series', async () => {
    const text = await (await fetch(`${herald.url}/metrics`)).text();
    for (const name of ['herald_queue_depth', 'herald_queue_lag_seconds', 'herald_delivery_attempt_duration_seconds', 'herald_delivery_latency_seconds', 'herald_delivery_attempts_total',
      'herald_delivery_thread_restarts_total']) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'));
    }
  });
});
