import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { apiClient, type ApiCall, type TestHerald } from '@herald/testing';
import { storageModes } from './support/storage-modes.ts';

/**
 * What PostgreSQL cannot store (U+0000, lone surrogates, numbers beyond a column) is refused at the
 * API with a 4xx naming the field, in both storage modes alike; it used to be a 500, or a 503 that
 * retrying clients repeated forever.
 */
const modes = await storageModes();

for (const mode of modes) {
  describe(`hostile input (${mode.name})`, () => {
    let herald: TestHerald;
    let call: ApiCall;
    let appId: string;
    let endpointId: string;
    /** Raw text bodies, so that escapes such as \ud800 reach the server as sent. */
    const send = async (method: string, path: string, body?: string) => {
      const response = await fetch(`${herald.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${herald.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body,
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    };

    before(async () => {
      herald = await mode.start({ HERALD_DELIVERY_THREAD: 'false' });
      call = apiClient(herald.url, herald.token);
      appId = (await call('POST', '/app', { name: 'hostile', uid: 'hostile' })).body.id;
      endpointId = (await call('POST', `/app/${appId}/endpoint`, { url: 'http://127.0.0.1:9/hook' })).body.id;
    });
    after(() => herald.stop());

    test('U+0000 or a lone surrogate in a body string or key is a 422 naming the field', async () => {
      const cases: Array<[string, string, string, Array<string | number>]> = [
        ['POST', '/app', '{"name":"a\\u0000b"}', ['body', 'name']],
        ['POST', '/app', '{"name":"a\\ud800b"}', ['body', 'name']],
        ['POST', '/app', '{"name":"ok","metadata":{"k\\u0000":"v"}}', ['body', 'metadata', 'k\u0000']],
        ['PUT', '/app/hostile', '{"name":"\\udc00"}', ['body', 'name']],
        ['POST', `/app/${appId}/endpoint`, '{"url":"http://127.0.0.1:9/","description":"x\\u0000"}', ['body', 'description']],
        ['PATCH', `/app/${appId}/endpoint/${endpointId}`, '{"metadata":{"k":"\\u0000"}}', ['body', 'metadata', 'k']],
        ['POST', `/app/${appId}/msg`, '{"eventType":"a.b","payload":{},"channels":["x\\u0000"]}', ['body', 'channels', 0]],
        ['POST', `/app/${appId}/msg`, '{"eventType":"a.b","payload":{},"eventId":"\\ud83d"}', ['body', 'eventId']],
        ['POST', '/event-type', '{"name":"a.b","description":"\\u0000","schemas":{"1":{"x":"\\u0000"}}}', ['body', 'description']],
      ];
      for (const [method, path, body, loc] of cases) {
        const answer = await send(method, path, body);
        assert.equal(answer.status, 422, `${method} ${path} ${body}: ${JSON.stringify(answer.body)}`);
        assert.ok(answer.body.detail.some((issue: { loc: unknown }) => JSON.stringify(issue.loc) === JSON.stringify(loc)),
          `${method} ${path} names ${JSON.stringify(loc)}: ${JSON.stringify(answer.body.detail)}`);
      }
    });

    test('U+0000 in a path id or a query value is a 400 naming it, for every resource', async () => {
      const cases: Array<[string, string, string]> = [
        ['GET', '/app/shop%00', 'path.app_id'],
        ['DELETE', '/app/shop%00', 'path.app_id'],
        ['GET', `/app/${appId}/msg/msg%00`, 'path.msg_id'],
        ['POST', '/app/x%00/msg', 'path.app_id'],
        ['GET', '/event-type/a%00', 'path.event_type_name'],
        ['GET', `/app/${appId}/endpoint/${endpointId}%00/secret`, 'path.endpoint_id'],
        ['GET', `/app/${appId}/msg?iterator=app_%00`, 'query.iterator'],
        ['GET', `/app/${appId}/msg?channel=%00`, 'query.channel'],
        ['GET', `/app/${appId}/attempt/endpoint/${endpointId}?channel=a&channel=%00`, 'query.channel.1'],
      ];
      for (const [method, path, field] of cases) {
        const answer = await send(method, path, method === 'POST' ? '{"eventType":"a.b","payload":{}}' : undefined);
        assert.equal(answer.status, 400, `${method} ${path}: ${JSON.stringify(answer.body)}`);
        assert.match(answer.body.detail, new RegExp(field.replace(/\./g, '\\.')), `${method} ${path}`);
      }
    });

    test('an iterator no page could have returned is a 422, not a silent first page', async () => {
      for (const path of ['/app?iterator=garbage', '/app?iterator=%ED%A0%80', `/app/${appId}/msg?iterator=msg_short`,
        `/app/${appId}/endpoint?iterator=ep_${'x'.repeat(26)}!`, '/event-type?iterator=a%20b', '/auth/token?iterator=tok_']) {
        const answer = await send('GET', path);
        assert.equal(answer.status, 422, `${path}: ${JSON.stringify(answer.body)}`);
        assert.deepEqual(answer.body.detail[0].loc, ['query', 'iterator']);
      }
      const first = await call('GET', '/app?limit=1&order=ascending');
      assert.equal((await send('GET', `/app?limit=1&iterator=${first.body.iterator}`)).status, 200, 'an iterator a page gave is taken');
      assert.equal((await send('GET', `/app?limit=1&iterator=${first.body.prevIterator}`)).status, 200, 'and so is its prevIterator');
      assert.equal((await send('GET', '/event-type?iterator=a.b')).status, 200, 'event types are paged by name');
    });

    test('numbers and durations beyond what storage holds are a 422, not a 500', async () => {
      const timeline = await send('GET', `/app/${appId}/endpoint/${endpointId}/stats/timeline?bucket=99999999999999999999d`);
      assert.equal(timeline.status, 422, JSON.stringify(timeline.body));
      assert.deepEqual(timeline.body.detail[0].loc, ['query', 'bucket']);
      const version = await send('POST', `/app/${appId}/endpoint`, JSON.stringify({ url: 'http://127.0.0.1:9/', version: 2 ** 40 }));
      assert.equal(version.status, 422, JSON.stringify(version.body));
      for (const limit of ['1e400', '99999999999999999999', '-1']) {
        assert.equal((await send('GET', `/app?limit=${limit}`)).status, 422, `limit=${limit}`);
      }
      const retention = await send('POST', `/app/${appId}/msg`, JSON.stringify({ eventType: 'a.b', payload: {}, payloadRetentionPeriod: 1e15 }));
      assert.equal(retention.status, 422, JSON.stringify(retention.body));
    });

    test('channels follow Svix\'s pattern: anything else is a 422 naming the channel', async () => {
      for (const channels of [['a b'], ['ok', 'x/y'], ['é'], ['a:b'], ['']]) {
        const message = await send('POST', `/app/${appId}/msg`, JSON.stringify({ eventType: 'a.b', payload: {}, channels }));
        assert.equal(message.status, 422, `${JSON.stringify(channels)}: ${JSON.stringify(message.body)}`);
        assert.equal(message.body.detail[0].loc[1], 'channels');
      }
      const endpoint = await send('POST', `/app/${appId}/endpoint`, JSON.stringify({ url: 'http://127.0.0.1:9/', channels: ['no spaces'] }));
      assert.equal(endpoint.status, 422, JSON.stringify(endpoint.body));
      const fine = await send('POST', `/app/${appId}/msg`, JSON.stringify({ eventType: 'a.b', payload: {}, channels: ['project_1337', 'group-2.eu'] }));
      assert.equal(fine.status, 202, JSON.stringify(fine.body));
    });

    test('two Idempotency-Key headers are a 400, not one key joined from both', async () => {
      const post = (keys: string[]) => new Promise<{ status: number; text: string }>((resolve, reject) => {
        // An array value is sent as one header line per element.
        const request = httpRequest(`${herald.url}/api/v1/app/${appId}/msg`, {
          method: 'POST',
          headers: { authorization: `Bearer ${herald.token}`, 'content-type': 'application/json', 'idempotency-key': keys },
        }, (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          response.on('end', () => resolve({ status: response.statusCode!, text }));
        });
        request.on('error', reject);
        request.end('{"eventType":"a.b","payload":{}}');
      });
      const twice = await post(['key-a', 'key-b']);
      assert.equal(twice.status, 400, twice.text);
      assert.match(twice.text, /one Idempotency-Key/);
      const joined = await post(['key-a, key-b']);
      assert.equal(joined.status, 202, 'one header holding a comma is one key');
      assert.equal((await post(['key-a, key-b'])).status, 202);
    });

    test('a compressed body is a 415, never read as its compressed bytes', async () => {
      for (const encoding of ['gzip', 'br', 'deflate', 'GZIP', 'gzip, identity']) {
        const response = await fetch(`${herald.url}/api/v1/app/${appId}/msg`, {
          method: 'POST',
          headers: { authorization: `Bearer ${herald.token}`, 'content-type': 'application/json', 'content-encoding': encoding },
          body: gzipSync('{"eventType":"a.b","payload":{}}'),
        });
        assert.equal(response.status, 415, `${encoding}: ${await response.text()}`);
      }
      const identity = await fetch(`${herald.url}/api/v1/app/${appId}/msg`, {
        method: 'POST',
        headers: { authorization: `Bearer ${herald.token}`, 'content-type': 'application/json', 'content-encoding': 'identity' },
        body: '{"eventType":"a.b","payload":{}}',
      });
      assert.equal(identity.status, 202);
    });

    test('a payload is content, stored and returned as sent: U+0000 and lone surrogates in it are accepted', async () => {
      const payload = '{"s":"a\\u0000b","t":"\\ud800","\\u0000":1}';
      const answer = await send('POST', `/app/${appId}/msg`, `{"eventType":"a.b","payload":${payload}}`);
      assert.equal(answer.status, 202, JSON.stringify(answer.body));
      const read = await call('GET', `/app/${appId}/msg/${answer.body.id}`);
      assert.deepEqual(read.body.payload, JSON.parse(payload));
      assert.equal((await call('GET', `/app/${appId}`)).status, 200, 'the server carries on');
    });
  });
}
