import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { newId } from '@herald/core';
import type { NewInboundRequest } from '@herald/storage';
import { eventually, startReceiver, type Receiver } from '@herald/testing';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { PUBLIC_URL, issueLocations, startIngestHarness, type IngestHarness } from './ingest-api-harness.ts';

/** The request log, replay and filter tests, over loopback HTTP; requests seeded through the Store or sent to the ingest URL. */
function requestLogSuite(mode: string, postgresUrl?: string): void {
  describe(`ingest request log, replay and filter tests (${mode})`, () => {
    let h: IngestHarness;
    let receiver: Receiver;
    let sourceId: string;
    const base = Date.now() - 600_000;
    const seeded: string[] = []; // accepted, oldest first

    const seed = (sourceIdOf: string, items: Array<Partial<NewInboundRequest> & { at: number }>) =>
      h.store.recordInboundRequests(items.map(({ at, ...rest }) => ({
        id: newId('inreq', at),
        sourceId: sourceIdOf,
        receivedAt: at,
        method: 'POST',
        path: '/',
        query: '',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from('{}'),
        sourceIp: '198.51.100.7',
        verdict: 'accepted',
        rejectReason: null,
        dedupeKey: null,
        eventType: 'inbound.request',
        ...rest,
      })), Date.now());

    before(async () => {
      h = await startIngestHarness({}, postgresUrl);
      receiver = await startReceiver();
      sourceId = (await h.call('POST', '/ingest/api/v1/source', { name: 'log', type: 'generic-webhook' })).body.id;
      const results = await seed(sourceId, [
        ...[0, 1, 2, 3, 4, 5].map((n) => ({ at: base + n * 1_000, body: Buffer.from(`{"n":${n}}`), dedupeKey: `d${n}`, query: `n=${n}` })),
        { at: base + 6_000, verdict: 'rejected', rejectReason: 'verification_failed: bad_signature', body: Buffer.from('{"n":6}') },
        { at: base + 7_000, verdict: 'rejected', rejectReason: 'payload_too_large', body: null },
        { at: base + 8_000, dedupeKey: 'd0', body: Buffer.from('{"n":0}') },
        { at: base + 9_000, body: Buffer.from([0xff, 0x00, 0xfe]), headers: { 'content-type': 'application/octet-stream', authorization: 'Basic c2VjcmV0' } },
      ]);
      for (const result of results) assert.ok(!(result instanceof Error), String(result));
      seeded.push(...results.slice(0, 6).map((result) => (result as { id: string }).id));
    });
    after(async () => {
      await receiver.close();
      await h.stop();
    });

    const list = (query = '') => h.call('GET', `/ingest/api/v1/source/${sourceId}/request${query}`);
    const byId = async (id: string) => (await h.call('GET', `/ingest/api/v1/source/${sourceId}/request/${id}`)).body;

    test('the log lists every request newest first, page by page', async () => {
      const ids: string[] = [];
      let iterator = '';
      for (let pages = 0; pages < 10; pages++) {
        const page = await list(`?limit=3${iterator ? `&iterator=${iterator}` : ''}`);
        assert.equal(page.status, 200, page.text);
        assert.ok(page.body.data.length <= 3);
        ids.push(...page.body.data.map((item: { id: string }) => item.id));
        if (page.body.done) break;
        iterator = page.body.iterator;
      }
      assert.equal(ids.length, 10);
      assert.equal(new Set(ids).size, 10);
      const times = await Promise.all(ids.map(async (id) => Date.parse((await byId(id)).receivedAt)));
      assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
    });

    test('verdict and time filters narrow the log; a duplicate names its original', async () => {
      const rejected = (await list('?verdict=rejected')).body.data;
      assert.deepEqual(rejected.map((item: { rejectReason: string }) => item.rejectReason).sort(), ['payload_too_large', 'verification_failed: bad_signature']);
      const duplicates = (await list('?verdict=duplicate')).body.data;
      assert.equal(duplicates.length, 1);
      assert.equal(duplicates[0].duplicateOf, seeded[0]);
      assert.equal((await byId(seeded[0]!)).duplicates, 1);
      const window = (await list(`?after=${new Date(base + 1_500).toISOString()}&before=${new Date(base + 3_500).toISOString()}`)).body.data;
      assert.deepEqual(window.map((item: { body: string }) => item.body), ['{"n":3}', '{"n":2}']);
      const accepted = (await list('?verdict=accepted&limit=250')).body.data;
      assert.equal(accepted.length, 7);
      const bare = (await list('?verdict=accepted&limit=250&with_content=false')).body.data;
      assert.deepEqual(bare.map((item: { id: string }) => item.id), accepted.map((item: { id: string }) => item.id));
      assert.ok(bare.every((item: { body: unknown; bodyBase64?: unknown }) => item.body === null && item.bodyBase64 === undefined), 'with_content=false leaves bodies out');
    });

    test('one request shows what came: text body, base64 for bytes that are not UTF-8, credentials hidden', async () => {
      const first = await byId(seeded[0]!);
      assert.equal(first.body, '{"n":0}');
      assert.equal(first.query, 'n=0');
      assert.equal(first.sourceIp, '198.51.100.7');
      assert.equal(first.verdict, 'accepted');
      assert.equal(first.sourceId, sourceId);
      assert.ok(Array.isArray(first.outcomes));
      const binary = (await list('?limit=1')).body.data[0];
      assert.equal(binary.body, null);
      assert.equal(binary.bodyBase64, Buffer.from([0xff, 0x00, 0xfe]).toString('base64'));
      assert.equal(binary.headers.authorization, '(hidden)');
    });

    test('bad list queries are 422s; an unknown source or request is 404', async () => {
      const verdict = await list('?verdict=maybe');
      assert.equal(verdict.status, 422);
      assert.deepEqual(issueLocations(verdict.body), ['query.verdict']);
      assert.equal((await list('?before=yesterday')).status, 422);
      assert.ok((await list('?iterator=not-an-id')).status < 500, 'a bogus iterator is never a 5xx');
      assert.equal((await h.call('GET', '/ingest/api/v1/source/src_nope/request')).status, 404);
      assert.equal((await h.call('GET', `/ingest/api/v1/source/${sourceId}/request/inreq_nope`)).status, 404);
      const other = (await h.call('POST', '/ingest/api/v1/source', { name: 'other', type: 'generic-webhook' })).body.id;
      assert.equal((await h.call('GET', `/ingest/api/v1/source/${other}/request/${seeded[0]}`)).status, 404, 'a request is found only through its own source');
    });

    test('replaying a request adds a routing round; a duplicate or a body never kept cannot be replayed', async () => {
      const target = seeded[1]!;
      const before = (await byId(target)).routingRound;
      const replayed = await h.call('POST', `/ingest/api/v1/source/${sourceId}/request/${target}/replay`);
      assert.equal(replayed.status, 202, replayed.text);
      assert.equal(replayed.body.routingRound, before + 1);
      assert.equal((await h.call('POST', `/ingest/api/v1/source/${sourceId}/request/${target}/replay`)).body.routingRound, before + 2);

      const duplicate = (await list('?verdict=duplicate')).body.data[0];
      const refused = await h.call('POST', `/ingest/api/v1/source/${sourceId}/request/${duplicate.id}/replay`);
      assert.equal(refused.status, 422);
      assert.match(refused.text, new RegExp(seeded[0]!));
      const unread = (await list('?verdict=rejected')).body.data.find((item: { rejectReason: string }) => item.rejectReason === 'payload_too_large');
      const notKept = await h.call('POST', `/ingest/api/v1/source/${sourceId}/request/${unread.id}/replay`);
      assert.equal(notKept.status, 422);
      assert.equal((await byId(unread.id)).verdict, 'rejected');
    });

    test('bulk replay routes again every accepted request in the range, and says how many', async () => {
      const rounds = async () => Object.fromEntries(await Promise.all(seeded.map(async (id) => [id, (await byId(id)).routingRound] as const)));
      const before = await rounds();
      const replayed = await h.call('POST', `/ingest/api/v1/source/${sourceId}/replay`, {
        since: new Date(base + 3_000).toISOString(), until: new Date(base + 5_000).toISOString(),
      });
      assert.equal(replayed.status, 202, replayed.text);
      assert.equal(replayed.body.replayed, 3, 'since and until are inclusive');
      const afterwards = await rounds();
      seeded.forEach((id, n) => assert.equal(afterwards[id], before[id] + (n >= 3 ? 1 : 0), `request ${n}`));
      const backwards = await h.call('POST', `/ingest/api/v1/source/${sourceId}/replay`, {
        since: new Date(base + 5_000).toISOString(), until: new Date(base).toISOString(),
      });
      assert.equal(backwards.status, 422);
    });

    test('a rejected request is checked again on replay: still failing is a 422; after the secret is fixed it is accepted', async () => {
      const right = 'the-right-secret';
      const source = (await h.call('POST', '/ingest/api/v1/source', { name: 'gh', type: 'github', config: { secret: 'a-wrong-secret' } })).body;
      const body = Buffer.from('{"action":"opened"}');
      const signature = `sha256=${createHmac('sha256', right).update(body).digest('hex')}`;
      const [recorded] = await seed(source.id, [{
        at: Date.now() - 1_000, body, verdict: 'rejected', rejectReason: 'verification_failed: bad_signature',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature, 'x-github-event': 'pull_request', 'x-github-delivery': 'gh-1' },
      }]);
      const id = (recorded as { id: string }).id;
      const still = await h.call('POST', `/ingest/api/v1/source/${source.id}/request/${id}/replay`);
      assert.equal(still.status, 422, still.text);
      assert.match(still.text, /bad_signature/);
      assert.equal((await h.call('GET', `/ingest/api/v1/source/${source.id}/request/${id}`)).body.verdict, 'rejected');

      assert.equal((await h.call('PUT', `/ingest/api/v1/source/${source.id}`, { name: 'gh', type: 'github', config: { secret: right } })).status, 200);
      const fixed = await h.call('POST', `/ingest/api/v1/source/${source.id}/request/${id}/replay`);
      assert.equal(fixed.status, 202, fixed.text);
      assert.equal(fixed.body.verdict, 'accepted');
      assert.equal(fixed.body.dedupeKey, 'gh-1', 'the dedupe key is read as at receipt');
    });

    test('a bulk replay of rejected requests checks each again and accepts those that pass now', async () => {
      const right = 'bulk-right-secret';
      const source = (await h.call('POST', '/ingest/api/v1/source', { name: 'gh-bulk', type: 'github', config: { secret: 'bulk-wrong-secret' } })).body;
      const signed = (text: string, secret: string) => ({
        at: Date.now() - 5_000, body: Buffer.from(text), verdict: 'rejected' as const, rejectReason: 'verification_failed: bad_signature',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(text).digest('hex')}`, 'x-github-event': 'push' },
      });
      await seed(source.id, [signed('{"n":1}', right), signed('{"n":2}', right), signed('{"n":3}', 'someone-else')]);
      const bulk = () => h.call('POST', `/ingest/api/v1/source/${source.id}/replay`, { verdict: 'rejected' });
      assert.deepEqual((await bulk()).body, { replayed: 0, stillRejected: 3 });
      await h.call('PUT', `/ingest/api/v1/source/${source.id}`, { name: 'gh-bulk', type: 'github', config: { secret: right } });
      const fixed = await bulk();
      assert.equal(fixed.status, 202);
      assert.deepEqual(fixed.body, { replayed: 2, stillRejected: 1 });
      const verdicts = (await h.call('GET', `/ingest/api/v1/source/${source.id}/request`)).body.data.map((item: { body: string; verdict: string }) => `${item.body} ${item.verdict}`);
      assert.deepEqual(verdicts.sort(), ['{"n":1} accepted', '{"n":2} accepted', '{"n":3} rejected']);
    });

    test('a request sent to the ingest URL shows each endpoint\'s outcome with its delivery attempts, and a replay adds a round', async () => {
      const source = (await h.call('POST', '/ingest/api/v1/source', { name: 'routed', type: 'generic-webhook' })).body;
      const wanted = (await h.call('POST', `/ingest/api/v1/source/${source.id}/endpoint`, { url: `${receiver.url}/a`, filter: { body: { kind: 'a' } } })).body;
      const other = (await h.call('POST', `/ingest/api/v1/source/${source.id}/endpoint`, { url: `${receiver.url}/b`, filter: { body: { kind: 'b' } } })).body;
      const sent = await fetch(source.ingestUrl.replace(PUBLIC_URL, h.herald.url), {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"kind":"a"}',
      });
      assert.equal(sent.status, 200, await sent.clone().text());
      const requestId = sent.headers.get('herald-request-id')!;
      assert.match(requestId, /^inreq_/);
      type Detail = { outcomes: Array<{ endpointId: string; outcome: string; reason: string | null; msgId: string | null; round: number; attempts: Array<{ responseStatusCode: number }> }> };
      const detail = await eventually(async () => {
        const found = (await h.call('GET', `/ingest/api/v1/source/${source.id}/request/${requestId}`)).body as Detail;
        const forwarded = found.outcomes.find((outcome) => outcome.endpointId === wanted.id);
        return forwarded && forwarded.attempts.length > 0 ? found : undefined;
      }, 15_000, 'the forward and its attempt');
      const forwarded = detail.outcomes.find((outcome) => outcome.endpointId === wanted.id)!;
      assert.equal(forwarded.outcome, 'forwarded');
      assert.match(forwarded.msgId!, /^msg_/);
      assert.equal(forwarded.attempts[0]!.responseStatusCode, 200);
      const filtered = detail.outcomes.find((outcome) => outcome.endpointId === other.id)!;
      assert.equal(filtered.outcome, 'filtered');
      assert.ok(filtered.reason, 'a filtered outcome says why');
      assert.equal(filtered.attempts.length, 0);

      assert.equal((await h.call('POST', `/ingest/api/v1/source/${source.id}/request/${requestId}/replay`)).status, 202);
      await eventually(async () => {
        const found = (await h.call('GET', `/ingest/api/v1/source/${source.id}/request/${requestId}`)).body as Detail;
        return found.outcomes.some((outcome) => outcome.round === 1 && outcome.endpointId === wanted.id) ? found : undefined;
      }, 15_000, 'the replay round');
    });

    test('an application token gets 404 on the request log, replay and filter test routes', async () => {
      const app = (await h.call('POST', '/api/v1/app', { name: 'portal' })).body;
      const { token } = (await h.call('POST', `/api/v1/auth/app-portal-access/${app.id}`, {})).body;
      for (const [method, path, json] of [
        ['GET', `/ingest/api/v1/source/${sourceId}/request`],
        ['GET', `/ingest/api/v1/source/${sourceId}/request/${seeded[0]}`],
        ['POST', `/ingest/api/v1/source/${sourceId}/request/${seeded[0]}/replay`],
        ['POST', `/ingest/api/v1/source/${sourceId}/replay`, {}],
        ['POST', `/ingest/api/v1/source/${sourceId}/filter/test`, { filter: {} }],
        ['POST', '/ingest/api/v1/filter/test', { filter: {}, request: {} }],
      ] as Array<[string, string, unknown?]>) {
        const response = await h.call(method, path, json, token);
        assert.equal(response.status, 404, `${method} ${path}`);
        assert.equal(response.body.detail, `Route ${method} ${path} not found.`);
      }
    });

    test('the filter test says whether a filter matches a request, and where it does not', async () => {
      const test = (filter: unknown, request: unknown) => h.call('POST', '/ingest/api/v1/filter/test', { filter, request });
      assert.deepEqual((await test({ body: { total: { $gte: 10 } } }, { body: { total: 12 } })).body, { match: true });
      const miss = await test({ body: { total: { $gte: 10 } } }, { body: { total: 3 } });
      assert.equal(miss.body.match, false);
      assert.equal(miss.body.section, 'body');
      assert.equal(typeof miss.body.reason, 'string');
      assert.deepEqual((await test({ headers: { 'X-GitHub-Event': 'push' } }, { headers: { 'x-github-event': 'push' } })).body, { match: true }, 'header names are compared lower-cased');
      const query = await test({ query: { ref: { $startsWith: 'refs/heads/' } } }, { query: { ref: 'refs/tags/v1' } });
      assert.equal(query.body.section, 'query');
      const bad = await test({ body: { total: { $between: [1, 2] } } }, { body: {} });
      assert.equal(bad.status, 422);
      assert.match(bad.text, /\$between/);
      assert.equal((await h.call('POST', '/ingest/api/v1/filter/test', { request: {} })).status, 422);
    });

    test('a filter tried on a source\'s last requests gives each one\'s verdict', async () => {
      const tried = await h.call('POST', `/ingest/api/v1/source/${sourceId}/filter/test`, { filter: { body: { n: { $gte: 3 } } }, limit: 6 });
      assert.equal(tried.status, 200, tried.text);
      assert.equal(tried.body.data.length, 6);
      const byRequest = new Map(tried.body.data.map((item: { requestId: string; match: boolean }) => [item.requestId, item.match]));
      for (const [n, id] of seeded.entries()) {
        if (byRequest.has(id)) assert.equal(byRequest.get(id), n >= 3, `request ${n}`);
      }
      assert.ok(tried.body.data.some((item: { match: boolean }) => item.match));
      assert.ok(tried.body.data.some((item: { match: boolean }) => !item.match));
      const bad = await h.call('POST', `/ingest/api/v1/source/${sourceId}/filter/test`, { filter: { body: { n: { $nope: 1 } } } });
      assert.equal(bad.status, 422);
      assert.equal((await h.call('POST', '/ingest/api/v1/source/src_nope/filter/test', { filter: {} })).status, 404);
    });
  });
}

requestLogSuite('SQLite');
const database = await postgresTestDatabase();
if (database) requestLogSuite('PostgreSQL', database.url);
