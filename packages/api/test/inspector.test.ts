import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { eventually, startTestHerald, type TestHerald } from '@herald/testing';

interface Bin { id: string; token: string; captureUrl: string; pageUrl: string; expiresAt: string }
interface CaptureOut { seq: number; method: string; path: string; headers: [string, string][]; bodyBase64: string; sourceIp: string }

const LIMIT = 4096;

describe('request inspector over HTTP', () => {
  let herald: TestHerald;
  const admin = (path: string, init: RequestInit = {}) => fetch(herald.url + path, {
    ...init,
    headers: { authorization: `Bearer ${herald.token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
  });
  const mint = async (body: unknown = {}): Promise<Bin> => {
    const response = await admin('/api/v1/inspector', { method: 'POST', body: JSON.stringify(body) });
    assert.equal(response.status, 201);
    return (await response.json()) as Bin;
  };
  const captures = async (bin: Bin, after = 0): Promise<CaptureOut[]> => {
    const response = await fetch(`${bin.pageUrl}/requests?after=${after}`);
    assert.equal(response.status, 200);
    return ((await response.json()) as { data: CaptureOut[] }).data;
  };

  before(async () => {
    herald = await startTestHerald({ HERALD_MAX_BODY_BYTES: String(LIMIT) });
  });
  after(() => herald.stop());

  test('minting a bin needs the admin token and hands out capture and page URLs on this Herald', async () => {
    assert.equal((await fetch(`${herald.url}/api/v1/inspector`, { method: 'POST' })).status, 401);
    const bin = await mint();
    assert.match(bin.token, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
    assert.equal(bin.captureUrl, `${herald.url}/in/${bin.token}`);
    assert.equal(bin.pageUrl, `${herald.url}/inspect/${bin.token}`);
    const listed = (await (await admin('/api/v1/inspector')).json()) as { data: Bin[] };
    assert.ok(listed.data.some((item) => item.id === bin.id));
  });

  test('any method, path below the token and body is stored byte for byte, repeated headers included', async () => {
    const bin = await mint();
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
    const sent: Array<{ method: string; suffix: string; body?: Uint8Array | string; headers?: Record<string, string> }> = [
      { method: 'PUT', suffix: '/deep/er?x=1&y=%20', body: bytes, headers: { 'content-type': 'application/octet-stream' } },
      { method: 'POST', suffix: '', body: 'plain text, no content type' },
      { method: 'PATCH', suffix: '/p', body: 'a=1&b=2', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      { method: 'GET', suffix: '?q=search' },
      { method: 'DELETE', suffix: '/thing/1' },
    ];
    for (const request of sent) {
      const response = await fetch(bin.captureUrl + request.suffix, { method: request.method, body: request.body, headers: request.headers });
      assert.equal(response.status, 200, `${request.method} is accepted`);
    }
    const stored = await captures(bin);
    assert.deepEqual(stored.map((c) => [c.method, c.path]), sent.map((r) => [r.method, `/in/${bin.token}${r.suffix}`]));
    assert.deepEqual([...Buffer.from(stored[0]!.bodyBase64, 'base64')], [...bytes]);
    assert.equal(Buffer.from(stored[1]!.bodyBase64, 'base64').toString('utf8'), 'plain text, no content type');
    assert.equal(Buffer.from(stored[2]!.bodyBase64, 'base64').toString('utf8'), 'a=1&b=2');
    assert.equal(stored[3]!.bodyBase64, '');
    assert.match(stored[0]!.sourceIp, /127\.0\.0\.1/);
    assert.deepEqual(stored[0]!.headers.find(([name]) => name === 'content-type'), ['content-type', 'application/octet-stream']);
    assert.deepEqual((await captures(bin, stored[3]!.seq)).map((c) => c.method), ['DELETE'], 'after= gives only newer captures');

    // Repeated header lines arrive as sent; fetch would merge them, so this one goes out raw.
    await new Promise<void>((resolve, reject) => {
      const request = httpRequest(bin.captureUrl, { method: 'POST', headers: { 'x-dup': ['one', 'two'] } },
        (response) => { response.resume(); response.on('end', resolve); });
      request.on('error', reject);
      request.end('{}');
    });
    const [last] = (await captures(bin)).slice(-1);
    assert.deepEqual(last!.headers.filter(([name]) => name === 'x-dup'), [['x-dup', 'one'], ['x-dup', 'two']]);
  });

  test('a capture carrying an Idempotency-Key is still captured every time, never replayed', async () => {
    const bin = await mint();
    for (let i = 0; i < 2; i++) {
      const response = await fetch(bin.captureUrl, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', 'idempotency-key': 'same' } });
      assert.equal(response.headers.get('idempotent-replayed'), null);
    }
    assert.equal((await captures(bin)).length, 2);
  });

  test('a body over HERALD_MAX_BODY_BYTES gets 413, whether its length is declared or it is streamed', async () => {
    const bin = await mint();
    const declared = await fetch(bin.captureUrl, { method: 'POST', body: 'x'.repeat(LIMIT + 1) });
    assert.equal(declared.status, 413);
    const atLimit = await fetch(bin.captureUrl, { method: 'POST', body: 'y'.repeat(LIMIT) });
    assert.equal(atLimit.status, 200, 'exactly the limit is fine');

    // Chunked, with no length: refused once the limit is passed, long before the sender is done.
    const streamedStatus = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(bin.captureUrl, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      let sent = 0;
      const pump = () => {
        while (sent < 100 * LIMIT && request.write('z'.repeat(1024))) sent += 1024;
        if (sent < 100 * LIMIT) request.once('drain', pump);
        else request.end();
      };
      pump();
    });
    assert.equal(streamedStatus, 413);
    assert.deepEqual((await captures(bin)).map((c) => Buffer.from(c.bodyBase64, 'base64').length), [LIMIT], 'only the one within the limit is kept');
  });

  test('an unknown token is a 404 on every inspector route, and a deleted bin stops capturing', async () => {
    for (const [method, path] of [['POST', '/in/no-such-token'], ['GET', '/in/no-such-token/x'], ['GET', '/inspect/no-such-token'], ['GET', '/inspect/no-such-token/requests']]) {
      assert.equal((await fetch(herald.url + path!, { method })).status, 404, `${method} ${path}`);
    }
    const bin = await mint();
    assert.equal((await admin(`/api/v1/inspector/${bin.id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await fetch(bin.captureUrl, { method: 'POST', body: 'x' })).status, 404);
    assert.equal((await admin(`/api/v1/inspector/${bin.id}`, { method: 'DELETE' })).status, 404);
  });

  test('a bin keeps its newest 100 captures', async () => {
    const bin = await mint();
    for (let i = 0; i < 105; i++) {
      assert.equal((await fetch(`${bin.captureUrl}/${i}`, { method: 'POST', body: String(i) })).status, 200);
    }
    const kept = await captures(bin);
    assert.equal(kept.length, 100);
    assert.equal(kept[0]!.path, `/in/${bin.token}/5`);
    assert.equal(kept.at(-1)!.path, `/in/${bin.token}/104`);
  });

  test('a bin expires after its time to live: capture URL and page then answer 404', async () => {
    const bin = await mint({ ttlSeconds: 1 });
    assert.equal(Date.parse(bin.expiresAt) - Date.now() <= 1_000, true);
    await eventually(async () => ((await fetch(bin.captureUrl, { method: 'POST', body: 'x' })).status === 404 ? true : undefined), 10_000, 'expiry');
    assert.equal((await fetch(bin.pageUrl)).status, 404);
    const listed = (await (await admin('/api/v1/inspector')).json()) as { data: Bin[] };
    assert.ok(!listed.data.some((item) => item.id === bin.id), 'an expired bin is not listed');
    assert.equal((await admin('/api/v1/inspector', { method: 'POST', body: JSON.stringify({ ttlSeconds: 0 }) })).status, 422);
  });

  test('the page is served with a policy that allows only its own script and style, and never leaks its URL', async () => {
    const bin = await mint();
    const page = await fetch(bin.pageUrl);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'/);
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    assert.match(await page.text(), /<label for="secret">/);
    const script = await fetch(`${herald.url}/inspect/assets/inspector.js`);
    assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
  });
});
