import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import type { Store } from '@herald/storage';
import { SqliteStore } from '@herald/storage-sqlite';
import { PostgresStore } from '@herald/storage-postgres';
import { apiClient, startReceiver, type ApiCall, type Receiver, type TestHerald } from '@herald/testing';
import { storageModes } from './support/storage-modes.ts';

const MAX_BODY_BYTES = 1_048_576;
const modes = await storageModes();

for (const mode of modes) {
  describe(`ingest fuzz (${mode.name})`, () => {
    let herald: TestHerald & { databaseUrl?: string };
    let receiver: Receiver;
    let call: ApiCall;
    let appId: string;
    let secret: string;
    /** Every status the API answered in this file: never a 5xx. */
    const statuses: number[] = [];

    before(async () => {
      herald = await mode.start({ HERALD_DELIVERY_THREAD: 'false', HERALD_MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
      receiver = await startReceiver();
      call = apiClient(herald.url, herald.token);
      appId = (await call('POST', '/app', { name: 'fuzz' })).body.id;
      const endpoint = (await call('POST', `/app/${appId}/endpoint`, { url: receiver.url })).body;
      secret = (await call('GET', `/app/${appId}/endpoint/${endpoint.id}/secret`)).body.key;
    });
    // Stop first, assert last: an assertion that threw before the stops would leave the receiver and
    // Herald running, and the file would hang on Node 20 instead of failing.
    after(async () => {
      await receiver?.close();
      await herald?.stop();
      assert.ok(statuses.length > 0 && statuses.every((status) => status < 500), `statuses seen: ${[...new Set(statuses)].join(', ')}`);
    });

    /** The store behind this Herald, opened from outside it: what is stored, read back from the database itself. */
    const openStore = (): Store => (herald.databaseUrl
      ? new PostgresStore({ connectionString: herald.databaseUrl })
      : new SqliteStore({ path: join(herald.dataDir, 'herald.db') }));

    /** Posts raw bytes as a message; returns status and body text. */
    async function postRaw(body: string | Uint8Array, contentType = 'application/json'): Promise<{ status: number; text: string }> {
      const response = await fetch(`${herald.url}/api/v1/app/${appId}/msg`, {
        method: 'POST',
        headers: { authorization: `Bearer ${herald.token}`, 'content-type': contentType },
        body,
      });
      statuses.push(response.status);
      return { status: response.status, text: await response.text() };
    }

    const messageText = (payload: string) => `{"eventType":"fuzz.test","payload":${payload}}`;

    /** The body delivered for a message id, once it arrives. */
    async function delivered(msgId: string): Promise<{ body: string; headers: Record<string, string> }> {
      for (let waited = 0; waited < 10_000; waited += 20) {
        const found = receiver.requests.find((request) => request.headers['webhook-id'] === msgId);
        if (found) return found;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`message ${msgId} was not delivered`);
    }

    test('any JSON object payload, however formatted, is accepted, stored and delivered byte for byte', async () => {
      const payloads = fc.tuple(
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 6, noNullPrototype: true }),
        fc.constantFrom(undefined, 1, 2, '\t', ' \n '),
      ).map(([value, indent]) => JSON.stringify(value, null, indent as string | number | undefined));
      await fc.assert(fc.asyncProperty(payloads, async (payload) => {
        const answer = await postRaw(messageText(payload));
        assert.equal(answer.status, 202, answer.text);
        const msgId = JSON.parse(answer.text).id as string;
        const sent = await delivered(msgId);
        assert.equal(sent.body, payload);
        assert.deepEqual(new Webhook(secret).verify(sent.body, sent.headers), JSON.parse(payload));
        assert.deepEqual((await call('GET', `/app/${appId}/msg/${msgId}`)).body.payload, JSON.parse(payload));
      }), { numRuns: 40 });
    });

    test('whitespace, key order, escapes, big numbers and __proto__/constructor keys are stored and reach the receiver as sent, and pollute nothing', async () => {
      const payload = '{ "z" : 1,\n\t"a":[ 12345678901234567890 , 1.0e+2, -0, 0.1000000000000000055511151231257827 ],'
        + ' "s": "\\u00e9\\ud83d\\ude00 \u00e9 \\/", "__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}} }';
      const answer = await postRaw(messageText(payload));
      assert.equal(answer.status, 202, answer.text);
      const msgId = JSON.parse(answer.text).id as string;
      const sent = await delivered(msgId);
      assert.equal(sent.body, payload);
      assert.ok(new Webhook(secret).verify(sent.body, sent.headers), 'the signature covers the bytes as sent');
      const stored = openStore();
      try {
        assert.equal((await stored.getMessage(appId, msgId))?.payload, payload);
      } finally {
        await stored.close();
      }
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
    });

    test('any string (U+0000 and lone surrogates included) in any field but the payload gets a 202 or a 4xx, never a 5xx', async () => {
      // 'binary' units cover every code point, and lone surrogates are added outright.
      const hostileString = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }),
        fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udc00', '\ud83d\ude00', '\u0000\ud800'));
      const field = fc.constantFrom('eventType', 'eventId', 'channels', 'tags', 'application.name', 'application.uid');
      await fc.assert(fc.asyncProperty(field, hostileString, async (name, value) => {
        const message: Record<string, unknown> = { eventType: 'fuzz.field', payload: { n: 1 } };
        if (name === 'channels' || name === 'tags') message[name] = [value];
        else if (name.startsWith('application.')) message.application = { name: 'fuzz app', [name.slice(12)]: value };
        else message[name] = value;
        // application.* creates the app by uid: post to an id that does not exist yet.
        const path = name.startsWith('application.') ? `/api/v1/app/fuzz-${statuses.length}/msg` : `/api/v1/app/${appId}/msg`;
        const response = await fetch(herald.url + path, {
          method: 'POST', body: JSON.stringify(message),
          headers: { authorization: `Bearer ${herald.token}`, 'content-type': 'application/json' },
        });
        statuses.push(response.status);
        const text = await response.text();
        assert.ok(response.status === 202 || (response.status >= 400 && response.status < 500), `${response.status} for ${name}=${JSON.stringify(value)}: ${text}`);
      }), { numRuns: 80 });
      assert.ok((await call('GET', '/health')).status < 300);
    });

    test('bodies that are not JSON, not UTF-8, nested 100,000 deep or of the wrong type get a 4xx, and the server carries on', async () => {
      const deep = (open: string, close: string, depth: number) => open.repeat(depth) + '1' + close.repeat(depth);
      const bad: Array<[string | Uint8Array, string?]> = [
        [messageText(deep('{"a":', '}', 100_000))], [messageText(`{"a":${deep('[', ']', 100_000)}}`)], [deep('[', ']', 100_000)],
        [Buffer.concat([Buffer.from(messageText('{"a":"')), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}}')])],
        [Buffer.from([0xef, 0xbb, 0xbf, 0xff])], [''], ['{'], ['{"eventType":"x","payload":{}'], ['null'], ['[]'], ['"text"'],
        [messageText('[1,2]')], [messageText('"string"')], [messageText('{}').replace('}}', '} /* comment */}')],
        [messageText('{"a":1,}')], [messageText('{"a":NaN}')], [messageText('{"a":01}')], ['{"eventType":"a","payload":{"x":1}} trailing'],
        [messageText('{}'), 'text/plain'], [messageText('{}'), 'application/x-www-form-urlencoded'], [messageText('{}'), 'multipart/form-data; boundary=x'],
        [messageText('{}'), 'application/xml'], [messageText('{}'), 'application/jsonx'],
      ];
      for (const [body, type] of bad) {
        const answer = await postRaw(body, type);
        assert.ok(answer.status >= 400 && answer.status < 500, `${answer.status} for ${String(body).slice(0, 60)} (${type ?? 'json'}): ${answer.text}`);
        if (body.length > 200_000) assert.match(answer.text, /nests deeper than 1000 levels/, 'refused for its depth, not its size');
      }
      await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        const answer = await postRaw(bytes);
        assert.ok(answer.status === 202 || (answer.status >= 400 && answer.status < 500), `${answer.status}: ${answer.text}`);
      }), { numRuns: 60 });
      assert.ok((await call('GET', '/health')).status < 300);
    });

    test('a body over the limit gets 413 before the client has finished sending it', async () => {
      const declared = await postRaw('x'.repeat(MAX_BODY_BYTES + 1));
      assert.equal(declared.status, 413);

      // Chunked, so the server cannot know the size up front; 4 MiB at most, 16 KiB every 10 ms.
      const chunk = Buffer.alloc(16_384, 'a');
      let sentBytes = 0;
      let clientDone = false;
      const status = await new Promise<{ status: number; sentBytes: number; clientDone: boolean }>((resolve, reject) => {
        const request = httpRequest(`${herald.url}/api/v1/app/${appId}/msg`, {
          method: 'POST',
          headers: { authorization: `Bearer ${herald.token}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        }, (response) => {
          resolve({ status: response.statusCode!, sentBytes, clientDone });
          response.resume();
        });
        request.on('error', (error) => (clientDone ? undefined : reject(error)));
        request.write('{"eventType":"big.one","payload":{"a":"');
        const timer = setInterval(() => {
          if (request.destroyed || sentBytes >= 4 * 1024 ** 2) {
            clearInterval(timer);
            clientDone = true;
            if (!request.destroyed) request.end('"}}');
            return;
          }
          sentBytes += chunk.length;
          request.write(chunk);
        }, 10);
      });
      statuses.push(status.status);
      assert.equal(status.status, 413);
      assert.equal(status.clientDone, false, 'the answer came while the client was still sending');
      assert.ok(status.sentBytes < 4 * 1024 ** 2);
    });
  });
}
