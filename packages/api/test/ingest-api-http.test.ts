import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IP_ALLOWLIST_PRESETS } from '@herald/core';
import { sourceTokenHash } from '@herald/storage';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { PUBLIC_URL, issueLocations, startIngestHarness, type IngestHarness } from './ingest-api-harness.ts';

/** The ingest management API over plain HTTP: Herald's extensions, which the svix SDK does not send, and its refusals. */
function managementSuite(mode: string, postgresUrl?: string): void {
  describe(`ingest management API: Herald extensions and validation (${mode})`, () => {
    let h: IngestHarness;
    before(async () => {
      h = await startIngestHarness({}, postgresUrl);
    });
    after(() => h.stop());

    const tokenOf = (ingestUrl: string) => ingestUrl.slice(`${PUBLIC_URL}/in/`.length);

    test('source extensions are stored and shown; a PUT that leaves them out keeps them; null clears them', async () => {
      const extensions = {
        disabled: true,
        allowedIps: ['203.0.113.0/24', '2001:db8::1'],
        ipPreset: 'stripe',
        rateLimit: 50,
        response: { status: 202, contentType: 'text/plain', body: 'thanks' },
        dedupe: { from: 'body', path: 'data.id' },
      };
      const created = await h.call('POST', '/ingest/api/v1/source', { name: 'ext', type: 'stripe', config: { secret: 'whsec_x' }, ...extensions });
      assert.equal(created.status, 201, created.text);
      for (const [field, value] of Object.entries(extensions)) assert.deepEqual(created.body[field], value, field);

      const stored = await h.store.getSource(created.body.id);
      assert.deepEqual(stored!.allowedCidrs!.slice().sort(), [...IP_ALLOWLIST_PRESETS.stripe!, '203.0.113.0/24', '2001:db8::1'].sort(),
        'the receive route gets the preset expanded into plain CIDRs');

      const svixPut = await h.call('PUT', `/ingest/api/v1/source/${created.body.id}`, { name: 'ext2', type: 'stripe', config: {} });
      assert.equal(svixPut.status, 200, svixPut.text);
      for (const [field, value] of Object.entries(extensions)) assert.deepEqual(svixPut.body[field], value, `${field} kept`);
      assert.equal((await h.store.getSource(created.body.id))!.config.secret, 'whsec_x', 'a PUT without the secret keeps it');

      const cleared = await h.call('PUT', `/ingest/api/v1/source/${created.body.id}`, {
        name: 'ext2', type: 'stripe', config: { secret: 'whsec_y' },
        disabled: false, allowedIps: null, ipPreset: null, rateLimit: null, response: null, dedupe: null,
      });
      assert.equal(cleared.status, 200, cleared.text);
      assert.deepEqual(
        [cleared.body.disabled, cleared.body.allowedIps, cleared.body.ipPreset, cleared.body.rateLimit, cleared.body.response, cleared.body.dedupe],
        [false, null, null, null, null, null]);
      const after = await h.store.getSource(created.body.id);
      assert.equal(after!.allowedCidrs, null);
      assert.equal(after!.config.secret, 'whsec_y');
    });

    test('a bad CIDR, an unknown preset and an out-of-range response are 422s naming the field', async () => {
      const bad = await h.call('POST', '/ingest/api/v1/source', { name: 'x', type: 'generic-webhook', allowedIps: ['10.0.0.0/8', '10.0.0.300/33'] });
      assert.equal(bad.status, 422);
      assert.deepEqual(issueLocations(bad.body), ['body.allowedIps']);
      assert.match(bad.body.detail[0].msg, /10\.0\.0\.300\/33/);
      const preset = await h.call('POST', '/ingest/api/v1/source', { name: 'x', type: 'generic-webhook', ipPreset: 'nowhere' });
      assert.equal(preset.status, 422);
      assert.deepEqual(issueLocations(preset.body), ['body.ipPreset']);
      const response = await h.call('POST', '/ingest/api/v1/source', { name: 'x', type: 'generic-webhook', response: { status: 500, contentType: 'a/b', body: '' } });
      assert.equal(response.status, 422);
      assert.deepEqual(issueLocations(response.body), ['body.response.status']);
      const list = await h.call('GET', '/ingest/api/v1/source?limit=250');
      assert.ok(!list.body.data.some((source: { name: string }) => source.name === 'x'), 'nothing was created');
    });

    test('an unknown type and a bad config are 422s naming the field', async () => {
      const type = await h.call('POST', '/ingest/api/v1/source', { name: 'x', type: 'carrier-pigeon', config: {} });
      assert.equal(type.status, 422);
      assert.deepEqual(issueLocations(type.body), ['body.type']);
      const config = await h.call('POST', '/ingest/api/v1/source', { name: 'x', type: 'hmac', config: { secret: 's', header: 'x-sig', algorithm: 'md5' } });
      assert.equal(config.status, 422);
      assert.ok(issueLocations(config.body).includes('body.config.algorithm'), config.text);
      const missing = await h.call('POST', '/ingest/api/v1/source', { type: 'github', config: {} });
      assert.equal(missing.status, 422);
      assert.deepEqual(issueLocations(missing.body), ['body.name']);
    });

    test('secrets are never in an Out: source configs, tokens of other sources, endpoint secrets', async () => {
      const secrets = ['hmac-very-secret-1', 'basic-password-2', 'api-key-value-3'];
      const hmac = await h.call('POST', '/ingest/api/v1/source', { name: 'hmac', type: 'hmac', config: { secret: secrets[0], header: 'X-Sig', encoding: 'base64' } });
      const basic = await h.call('POST', '/ingest/api/v1/source', { name: 'basic', type: 'basic-auth', config: { username: 'provider', password: secrets[1] } });
      const apiKey = await h.call('POST', '/ingest/api/v1/source', { name: 'key', type: 'api-key', config: { key: secrets[2], header: 'X-Api-Key' } });
      for (const created of [hmac, basic, apiKey]) assert.equal(created.status, 201, created.text);
      assert.deepEqual(hmac.body.config, { header: 'x-sig', algorithm: 'sha256', encoding: 'base64', prefix: null, signedString: null, timestampHeader: null, toleranceSeconds: null });
      assert.deepEqual(basic.body.config, { username: 'provider' });
      const endpoint = await h.call('POST', `/ingest/api/v1/source/${hmac.body.id}/endpoint`, { url: 'https://a.example/hook' });
      const { body: { key } } = await h.call('GET', `/ingest/api/v1/source/${hmac.body.id}/endpoint/${endpoint.body.id}/secret`);
      const texts = [hmac.text, basic.text, apiKey.text, endpoint.text];
      for (const id of [hmac.body.id, basic.body.id, apiKey.body.id]) {
        texts.push((await h.call('GET', `/ingest/api/v1/source/${id}`)).text);
        texts.push((await h.call('PUT', `/ingest/api/v1/source/${id}`, { name: 'renamed', type: (await h.store.getSource(id))!.type, config: {} })).text);
      }
      texts.push((await h.call('GET', '/ingest/api/v1/source?limit=250')).text);
      texts.push((await h.call('GET', `/ingest/api/v1/source/${hmac.body.id}/endpoint`)).text);
      texts.push((await h.call('GET', `/ingest/api/v1/source/${hmac.body.id}/endpoint/${endpoint.body.id}`)).text);
      for (const text of texts) {
        for (const secret of [...secrets, key]) assert.ok(!text.includes(secret), `no secret in ${text.slice(0, 80)}`);
      }
    });

    test('token rotation: the old token keeps finding the source for the grace period, then not', async () => {
      const created = await h.call('POST', '/ingest/api/v1/source', { name: 'rot', type: 'generic-webhook' });
      const first = tokenOf(created.body.ingestUrl);
      const rotated = await h.call('POST', `/ingest/api/v1/source/${created.body.id}/token/rotate`);
      assert.equal(rotated.status, 200, rotated.text);
      const second = tokenOf(rotated.body.ingestUrl);
      assert.notEqual(second, first);
      assert.match(second, /^[A-Za-z0-9_-]{22,}$/, 'base64url, at least 128 bits');
      const now = Date.now();
      assert.equal((await h.store.findSourceByToken(sourceTokenHash(first), now))?.id, created.body.id, 'the old token works during the grace');
      assert.equal((await h.store.findSourceByToken(sourceTokenHash(second), now))?.id, created.body.id);
      assert.equal((await h.store.findSourceByToken(sourceTokenHash(first), now + 86_400_000 + 1_000)), undefined, 'the default grace is a day');

      const immediate = await h.call('POST', `/ingest/api/v1/source/${created.body.id}/token/rotate`, { gracePeriodSeconds: 0 });
      assert.equal(immediate.status, 200);
      assert.equal(await h.store.findSourceByToken(sourceTokenHash(second), Date.now() + 1), undefined, 'no grace: the old token stops at once');
      assert.equal((await h.store.findSourceByToken(sourceTokenHash(tokenOf(immediate.body.ingestUrl)), Date.now()))?.id, created.body.id);
    });

    test('endpoint filter and forwardHeaders: stored, shown, kept by a PUT without them, cleared by null', async () => {
      const source = await h.call('POST', '/ingest/api/v1/source', { name: 'f', type: 'generic-webhook' });
      const filter = { body: { action: { $in: ['opened', 'closed'] }, pull_request: { merged: true } }, headers: { 'X-GitHub-Event': 'pull_request' } };
      const created = await h.call('POST', `/ingest/api/v1/source/${source.body.id}/endpoint`, {
        url: 'https://ci.example/hook', filter, forwardHeaders: ['X-GitHub-Event', 'x-github-event', 'X-Request-Id'],
      });
      assert.equal(created.status, 201, created.text);
      assert.deepEqual(created.body.filter, filter);
      assert.deepEqual(created.body.forwardHeaders, ['x-github-event', 'x-request-id'], 'lower-cased, once each');
      const put = await h.call('PUT', `/ingest/api/v1/source/${source.body.id}/endpoint/${created.body.id}`, { url: 'https://ci.example/v2' });
      assert.deepEqual([put.body.filter, put.body.forwardHeaders], [filter, ['x-github-event', 'x-request-id']]);
      const cleared = await h.call('PUT', `/ingest/api/v1/source/${source.body.id}/endpoint/${created.body.id}`, { url: 'https://ci.example/v2', filter: null, forwardHeaders: null });
      assert.deepEqual([cleared.body.filter, cleared.body.forwardHeaders], [null, null]);
    });

    test('a bad filter operator is a 422 that names it; nothing is saved', async () => {
      const source = await h.call('POST', '/ingest/api/v1/source', { name: 'g', type: 'generic-webhook' });
      const bad = await h.call('POST', `/ingest/api/v1/source/${source.body.id}/endpoint`, { url: 'https://ci.example/hook', filter: { body: { total: { $greaterThan: 5 } } } });
      assert.equal(bad.status, 422, bad.text);
      assert.match(bad.text, /\$greaterThan/);
      assert.ok(issueLocations(bad.body)[0]!.startsWith('body.filter'), bad.text);
      assert.equal((await h.call('GET', `/ingest/api/v1/source/${source.body.id}/endpoint`)).body.data.length, 0);
      const section = await h.call('POST', `/ingest/api/v1/source/${source.body.id}/endpoint`, { url: 'https://ci.example/hook', filter: { cookies: {} } });
      assert.equal(section.status, 422, section.text);
    });

    test('forwardHeaders cannot name headers Herald signs with or frames the request with', async () => {
      const source = await h.call('POST', '/ingest/api/v1/source', { name: 'h', type: 'generic-webhook' });
      const bad = await h.call('POST', `/ingest/api/v1/source/${source.body.id}/endpoint`, { url: 'https://a.example/hook', forwardHeaders: ['Webhook-Signature'] });
      assert.equal(bad.status, 422);
      assert.deepEqual(issueLocations(bad.body), ['body.forwardHeaders']);
      const badName = await h.call('POST', `/ingest/api/v1/source/${source.body.id}/endpoint`, { url: 'https://a.example/hook', forwardHeaders: ['bad header'] });
      assert.equal(badName.status, 422);
    });

    test('ingest endpoints are endpoints of the source\'s backing application, signed with whsec_ secrets', async () => {
      const source = await h.call('POST', '/ingest/api/v1/source', { name: 'Backed', type: 'generic-webhook' });
      const endpoint = await h.call('POST', `/ingest/api/v1/source/${source.body.id}/endpoint`, { url: 'https://a.example/hook' });
      const stored = await h.store.getSource(source.body.id);
      const app = await h.call('GET', `/api/v1/app/${stored!.appId}`);
      assert.equal(app.status, 200);
      assert.equal(app.body.name, 'Ingest: Backed');
      const endpoints = await h.call('GET', `/api/v1/app/${stored!.appId}/endpoint`);
      assert.deepEqual(endpoints.body.data.map((item: { id: string }) => item.id), [endpoint.body.id]);
      assert.match((await h.call('GET', `/ingest/api/v1/source/${source.body.id}/endpoint/${endpoint.body.id}/secret`)).body.key, /^whsec_/);
    });

    test('headers: PATCH merges and a null removes; Herald\'s own headers are refused', async () => {
      const source = await h.call('POST', '/ingest/api/v1/source', { name: 'hd', type: 'generic-webhook' });
      const endpoint = await h.call('POST', `/ingest/api/v1/source/${source.body.id}/endpoint`, { url: 'https://a.example/hook' });
      const base = `/ingest/api/v1/source/${source.body.id}/endpoint/${endpoint.body.id}/headers`;
      assert.equal((await h.call('PUT', base, { headers: { 'X-A': '1', 'X-B': '2' } })).status, 204);
      assert.equal((await h.call('PATCH', base, { headers: { 'X-B': null, 'X-C': '3' } })).status, 204);
      assert.deepEqual((await h.call('GET', base)).body, { headers: { 'X-A': '1', 'X-C': '3' }, sensitive: [] });
      const reserved = await h.call('PATCH', base, { headers: { 'webhook-id': 'x' } });
      assert.equal(reserved.status, 422);
    });

    test('a bad endpoint URL and a bad secret are 422s', async () => {
      const source = await h.call('POST', '/ingest/api/v1/source', { name: 'u', type: 'generic-webhook' });
      const url = await h.call('POST', `/ingest/api/v1/source/${source.body.id}/endpoint`, { url: 'ftp://a.example/hook' });
      assert.equal(url.status, 422, url.text);
      assert.deepEqual(issueLocations(url.body), ['body.url']);
      const secret = await h.call('POST', `/ingest/api/v1/source/${source.body.id}/endpoint`, { url: 'https://a.example/hook', secret: 'short' });
      assert.equal(secret.status, 422);
      assert.deepEqual(issueLocations(secret.body), ['body.secret']);
    });

    test('ingest management calls are in the audit log', async () => {
      const created = await h.call('POST', '/ingest/api/v1/source', { name: 'audited', type: 'generic-webhook' });
      let entries: Array<{ route: string; resourceIds: Record<string, string> }> = [];
      for (let tries = 0; tries < 50 && !entries.some((entry) => entry.resourceIds.id === created.body.id); tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        entries = (await h.call('GET', '/api/v1/audit-log?limit=250')).body.data;
      }
      assert.ok(entries.some((entry) => entry.route === '/ingest/api/v1/source' && entry.resourceIds.id === created.body.id));
    });
  });
}

managementSuite('SQLite');
const database = await postgresTestDatabase();
if (database) managementSuite('PostgreSQL', database.url);

describe('the served OpenAPI document and the ingest API', () => {
  let h: IngestHarness;
  before(async () => {
    h = await startIngestHarness();
  });
  after(() => h.stop());

  test('describes every ingest route Herald serves, the request log marked as Herald\'s own', async () => {
    const document = (await (await fetch(`${h.herald.url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { 'x-herald-extension'?: boolean }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const ingestOps = Object.entries(document.paths).filter(([path]) => path.startsWith('/ingest/'))
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`));
    for (const op of ['get /ingest/api/v1/source', 'post /ingest/api/v1/source/{source_id}/token/rotate', 'put /ingest/api/v1/source/{source_id}/endpoint/{endpoint_id}/headers',
      'get /ingest/api/v1/source/{source_id}/request/{request_id}', 'post /ingest/api/v1/filter/test']) {
      assert.ok(ingestOps.includes(op), `${op} is described`);
    }
    assert.equal(ingestOps.length, 24);
    assert.equal(document.paths['/ingest/api/v1/source/{source_id}/request']!.get!['x-herald-extension'], true);
    assert.ok(document.components.schemas.IngestEndpointOut!.properties!.filter, 'the filter extension is described');
    assert.ok(document.components.schemas.IngestSourceIn!.properties!.allowedIps);
  });
});
