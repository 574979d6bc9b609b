import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { sign } from '@octokit/webhooks-methods';
import { newId } from '@herald/core';
import { sourceTokenHash, type InboundRequest, type Store } from '@herald/storage';
import { SourceCache } from '../src/inbound/source-cache.ts';
import { PostgresStore } from '@herald/storage-postgres';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { startInboundHarness, type InboundHarness } from './support/inbound-harness.ts';
import { clientAddress, parseTrustedProxies, trustedProxyList } from '../src/inbound/client-address.ts';

const LIMIT = 4_096;
const GITHUB_SECRET = 'It\'s a Secret to Everybody';

/** The source's requests, oldest first. */
async function log(harness: InboundHarness, sourceId: string): Promise<InboundRequest[]> {
  const page = await harness.store.listInboundRequests(sourceId, { limit: 100, iterator: null, order: 'ascending' });
  return page.data;
}

/** A raw request (fetch cannot send a chunked body of a chosen size, nor a lying Content-Length). */
function rawPost(url: string, chunks: Buffer[], headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers }));
    });
    request.on('error', (error) => {
      // Herald may close the connection once it has answered a refused upload; the answer still counts.
      if ((error as NodeJS.ErrnoException).code === 'EPIPE' || (error as NodeJS.ErrnoException).code === 'ECONNRESET') return;
      reject(error);
    });
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}

/** Hostile requests of every shape to ingest URLs of three source types: each answered, none 5xx. */
async function neverFiveHundred(harness: InboundHarness, runs: number): Promise<void> {
  const github = await harness.source('github', { secret: GITHUB_SECRET });
  const stripe = await harness.source('stripe', { secret: 'whsec_stripe' });
  const generic = await harness.source('generic-webhook', {});
  const token = fc.constantFrom(github, stripe, generic);
  const headerValue = fc.string({ maxLength: 80 }).map((text) => text.replace(/[^\x20-\x7e]/g, ''));
  await fc.assert(fc.asyncProperty(
    token, fc.constantFrom('POST', 'PUT', 'GET', 'DELETE', 'PATCH', 'OPTIONS'), fc.uint8Array({ maxLength: 600 }),
    fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=x'),
    headerValue, headerValue, fc.constantFrom('', '/a/b', '?x=1&x=%ZZ', '/%00?'),
    async (source, method, bytes, type, signature, timestamp, suffix) => {
      const body = method === 'GET' ? undefined : Buffer.from(bytes);
      const response = await fetch(source.ingestUrl + suffix, {
        method, body,
        headers: { 'content-type': type, 'x-hub-signature-256': signature, 'stripe-signature': `t=${timestamp},v1=${signature}`, 'x-github-delivery': timestamp },
      });
      await response.arrayBuffer();
      assert.ok(response.status < 500, `${method} ${type} answered ${response.status}`);
    }), { numRuns: runs });
}


describe('receiving on /in/<token>: the answers, in order', () => {
  let harness: InboundHarness;
  before(async () => {
    // Time stands still for the receive route, so a rate limit's bucket never refills mid-test.
    const startedAt = Date.now();
    harness = await startInboundHarness({ maxBodyBytes: LIMIT, trustedProxies: ['127.0.0.1'], route: false, clock: () => startedAt });
  });
  after(() => harness.stop());

  test('an unknown token is 404 and nothing is recorded', async () => {
    const response = await fetch(`${harness.url}/in/nobody-has-this-token`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 404);
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });

  test('an accepted request is answered 200 {"ok":true} once committed, and stored byte for byte with its facts', async () => {
    const { source, ingestUrl } = await harness.source('generic-webhook', {});
    const body = '{"z":1,  "a":"\\u00e9", "n":12345678901234567890}';
    const response = await fetch(`${ingestUrl}/deeper/path?x=1&x=2`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'X-Custom': 'yes' } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { ok: true });
    const id = response.headers.get('herald-request-id');
    const [stored] = await log(harness, source.id);
    assert.equal(stored!.id, id);
    assert.equal(stored!.verdict, 'accepted');
    assert.equal(stored!.method, 'POST');
    assert.equal(stored!.path, '/deeper/path', 'the part below the token; the token itself is never logged');
    assert.equal(stored!.query, 'x=1&x=2');
    assert.equal(stored!.headers['x-custom'], 'yes');
    assert.equal(stored!.body!.toString('utf8'), body);
    assert.equal(stored!.sourceIp, '127.0.0.1');
  });

  test('a source configured with its own answer gives it', async () => {
    const { ingestUrl } = await harness.source('generic-webhook', {}, { response: { status: 202, contentType: 'text/plain', body: 'thanks' } });
    const response = await fetch(ingestUrl, { method: 'POST', body: 'x' });
    assert.equal(response.status, 202);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await response.text(), 'thanks');
  });

  test('over the source rate limit is 429 with Retry-After, and not recorded', async () => {
    const { source, ingestUrl } = await harness.source('generic-webhook', {}, { rateLimit: 2 });
    assert.equal((await fetch(ingestUrl, { method: 'POST', body: '1' })).status, 200);
    assert.equal((await fetch(ingestUrl, { method: 'POST', body: '2' })).status, 200);
    const refused = await fetch(ingestUrl, { method: 'POST', body: '3' });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal((await log(harness, source.id)).length, 2);
    const other = await harness.source('generic-webhook', {}, { rateLimit: 2 });
    assert.equal((await fetch(other.ingestUrl, { method: 'POST', body: '1' })).status, 200, 'each source has its own budget');
  });

  test('a disabled source is 410, recorded without its body', async () => {
    const { source, ingestUrl } = await harness.source('generic-webhook', {}, { disabled: true });
    const response = await fetch(ingestUrl, { method: 'POST', body: 'secret stuff' });
    assert.equal(response.status, 410);
    const [stored] = await log(harness, source.id);
    assert.deepEqual([stored!.verdict, stored!.rejectReason, stored!.body], ['rejected', 'source_disabled', null]);
  });

  test('an address outside the allowlist is 403 and recorded; X-Forwarded-For counts only from a trusted proxy, read from the right', async () => {
    const { source, ingestUrl } = await harness.source('generic-webhook', {}, { allowedCidrs: ['10.0.0.0/8'] });
    assert.equal((await fetch(ingestUrl, { method: 'POST', body: 'a' })).status, 403, 'loopback is not in 10/8');
    assert.equal((await fetch(ingestUrl, { method: 'POST', body: 'b', headers: { 'x-forwarded-for': '10.1.2.3' } })).status, 200);
    const spoofed = await fetch(ingestUrl, { method: 'POST', body: 'c', headers: { 'x-forwarded-for': '10.1.2.3, 192.0.2.1' } });
    assert.equal(spoofed.status, 403, 'the client named itself 10.1.2.3, but our proxy saw 192.0.2.1');
    const stored = await log(harness, source.id);
    assert.deepEqual(stored.map((r) => [r.verdict, r.rejectReason, r.sourceIp]), [
      ['rejected', 'ip_not_allowed', '127.0.0.1'], ['accepted', null, '10.1.2.3'], ['rejected', 'ip_not_allowed', '192.0.2.1'],
    ]);
  });

  test('the client address: a peer that is not a trusted proxy is taken as it is, whatever it forwards', () => {
    const trusted = trustedProxyList(['10.0.0.1', '192.168.0.0/16']);
    assert.equal(clientAddress('203.0.113.9', '10.9.9.9', trusted), '203.0.113.9');
    assert.equal(clientAddress('::ffff:10.0.0.1', '198.51.100.7', trusted), '198.51.100.7');
    assert.equal(clientAddress('10.0.0.1', '198.51.100.7, 192.168.1.1', trusted), '198.51.100.7', 'trusted hops are skipped');
    assert.equal(clientAddress('10.0.0.1', 'not-an-ip', trusted), '10.0.0.1', 'a mangled header is ignored');
    assert.equal(clientAddress('10.0.0.1', '198.51.100.7', null), '10.0.0.1', 'no trusted proxies: never read');
    assert.deepEqual(parseTrustedProxies('10.0.0.0/8, ::1'), { ok: true, list: ['10.0.0.0/8', '::1'] });
    assert.deepEqual(parseTrustedProxies('10.0.0.0/33'), { ok: false, bad: '10.0.0.0/33' });
    assert.deepEqual(parseTrustedProxies('proxy.local'), { ok: false, bad: 'proxy.local' });
  });

  test('a method other than POST or PUT is 405 with Allow, recorded without a body', async () => {
    const { source, ingestUrl } = await harness.source('generic-webhook', {});
    const got = await fetch(ingestUrl);
    assert.equal(got.status, 405);
    assert.equal(got.headers.get('allow'), 'POST, PUT');
    assert.equal((await fetch(ingestUrl, { method: 'PATCH', body: 'x' })).status, 405);
    assert.equal((await fetch(ingestUrl, { method: 'PUT', body: 'x' })).status, 200);
    const stored = await log(harness, source.id);
    assert.deepEqual(stored.map((r) => [r.method, r.verdict, r.rejectReason, r.body === null]),
      [['GET', 'rejected', 'method_not_allowed', true], ['PATCH', 'rejected', 'method_not_allowed', true], ['PUT', 'accepted', null, false]]);
  });

  test('a body over the limit is 413 before it is read whole, declared or chunked, and recorded without it', async () => {
    const { source, ingestUrl } = await harness.source('generic-webhook', {});
    const declared = await rawPost(ingestUrl, [Buffer.alloc(LIMIT + 1, 'a')], { 'content-length': String(LIMIT + 1) });
    assert.equal(declared.status, 413);
    assert.equal(declared.headers.connection, 'close', 'the rest of a refused upload is not read');
    const chunked = await rawPost(ingestUrl, [Buffer.alloc(LIMIT, 'a'), Buffer.alloc(LIMIT, 'b')], { 'transfer-encoding': 'chunked' });
    assert.equal(chunked.status, 413);
    assert.equal((await rawPost(ingestUrl, [Buffer.alloc(LIMIT, 'a')])).status, 200, 'exactly the limit is fine');
    const stored = await log(harness, source.id);
    assert.deepEqual(stored.map((r) => [r.rejectReason, r.body?.length ?? null]), [['payload_too_large', null], ['payload_too_large', null], [null, LIMIT]]);
  });

  test('a bad or missing signature is 401, recorded with the body and the cause', async () => {
    const { source, ingestUrl } = await harness.source('github', { secret: GITHUB_SECRET });
    const body = '{"action":"opened"}';
    const good = await sign(GITHUB_SECRET, body);
    const headers = { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': 'd-401' };
    const tampered = await fetch(ingestUrl, { method: 'POST', body: body.replace('opened', 'closed'), headers: { ...headers, 'x-hub-signature-256': good } });
    assert.equal(tampered.status, 401);
    const missing = await fetch(ingestUrl, { method: 'POST', body, headers });
    assert.equal(missing.status, 401);
    const signed = await fetch(ingestUrl, { method: 'POST', body, headers: { ...headers, 'x-hub-signature-256': good } });
    assert.equal(signed.status, 200);
    const stored = await log(harness, source.id);
    assert.deepEqual(stored.map((r) => [r.verdict, r.rejectReason]), [
      ['rejected', 'verification_failed: bad_signature'], ['rejected', 'verification_failed: missing_signature'], ['accepted', null],
    ]);
    assert.equal(stored[0]!.body!.toString('utf8'), body.replace('opened', 'closed'));
    assert.equal(stored[2]!.eventType, 'issues.opened');
    assert.equal(stored[2]!.dedupeKey, 'd-401');
  });

  test('the credentials a basic-auth or api-key source checks are not written to the request log', async () => {
    const basic = await harness.source('basic-auth', { username: 'provider', password: 'pa55word' });
    const authorization = `Basic ${Buffer.from('provider:pa55word').toString('base64')}`;
    assert.equal((await fetch(basic.ingestUrl, { method: 'POST', body: 'x', headers: { authorization } })).status, 200);
    assert.equal((await fetch(basic.ingestUrl, { method: 'POST', body: 'x', headers: { authorization: 'Basic bm9wZTpub3Bl' } })).status, 401);
    assert.deepEqual((await log(harness, basic.source.id)).map((r) => r.headers.authorization), ['[redacted]', '[redacted]']);

    const apiKey = await harness.source('api-key', { key: 'k-123456', query: 'key' });
    assert.equal((await fetch(`${apiKey.ingestUrl}?key=k-123456&other=1`, { method: 'POST', body: 'x' })).status, 200);
    const [stored] = await log(harness, apiKey.source.id);
    assert.equal(new URLSearchParams(stored!.query).get('key'), '[redacted]');
    assert.equal(new URLSearchParams(stored!.query).get('other'), '1');
  });

  test('Slack\'s url_verification is answered with its challenge, only once the signature checks', async () => {
    const secret = 'slack-signing-secret';
    const { ingestUrl } = await harness.source('slack', { secret });
    const body = JSON.stringify({ type: 'url_verification', token: 't', challenge: 'c-3xAmple' });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    const headers = { 'content-type': 'application/json', 'x-slack-request-timestamp': timestamp };
    const unsigned = await fetch(ingestUrl, { method: 'POST', body, headers: { ...headers, 'x-slack-signature': 'v0=00' } });
    assert.equal(unsigned.status, 401);
    const answered = await fetch(ingestUrl, { method: 'POST', body, headers: { ...headers, 'x-slack-signature': signature } });
    assert.equal(answered.status, 200);
    assert.match(await answered.text(), /c-3xAmple/);
  });

  test('hostile bodies are never a 5xx: bad JSON, escaped NULs and form bodies are recorded; bytes that are not UTF-8, or raw NULs, are a 415', async () => {
    const { source, ingestUrl } = await harness.source('generic-webhook', {});
    const bodies: Array<[Buffer, string]> = [
      [Buffer.from('{"unterminated'), 'application/json'],
      [Buffer.from('{"a":"\\u0000"}'), 'application/json'],
      [Buffer.from('a=1&a=2&b=%00'), 'application/x-www-form-urlencoded'],
      [Buffer.from(''), 'application/json'],
    ];
    for (const [body, type] of bodies) assert.equal((await fetch(ingestUrl, { method: 'POST', body, headers: { 'content-type': type } })).status, 200);
    const binary = await fetch(ingestUrl, { method: 'POST', body: Buffer.from([0xff, 0xfe]), headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(binary.status, 415);
    const nul = await fetch(ingestUrl, { method: 'POST', body: Buffer.from('a\u0000b'), headers: { 'content-type': 'text/plain' } });
    assert.equal(nul.status, 415);
    assert.equal((await fetch(ingestUrl, { method: 'POST', body: 'x', headers: { 'content-type': 'no/such;;;type' } })).status < 500, true);
    const stored = await log(harness, source.id);
    assert.deepEqual(stored.slice(4, 6).map((r) => [r.verdict, r.rejectReason]), [['rejected', 'unsupported_body'], ['rejected', 'unsupported_body']]);
  });

  test('hostile requests of every shape (methods, bytes, content types, signature-looking headers) are never answered 5xx', () =>
    neverFiveHundred(harness, 150));

  test('an inspector bin\'s token on /in/ still captures, with the API\'s body limit', async () => {
    const token = 'bin-token-for-the-inbound-suite-0123456789abc';
    await harness.store.createInspectorBin({ id: newId('inbin'), token, createdAt: Date.now(), expiresAt: Date.now() + 60_000 });
    assert.equal((await fetch(`${harness.url}/in/${token}/below?q=1`, { method: 'PATCH', body: 'x' })).status, 200);
    const bin = (await harness.store.getInspectorBin(token, Date.now()))!;
    const captures = await harness.store.listInspectorCaptures(bin.id, 0, 10);
    assert.deepEqual(captures.map((capture) => [capture.method, capture.path]), [['PATCH', `/in/${token}/below?q=1`]]);
  });
});

test('the source cache: a source write through the wrapped store empties it at once; entries expire after a second', async () => {
  const harness = await startInboundHarness({ route: false });
  try {
    const { source, token } = await harness.source('generic-webhook', {});
    const cache = new SourceCache();
    const store = cache.invalidatedBy(harness.store);
    const hash = sourceTokenHash(token);
    const now = Date.now();
    cache.set(hash, source, now);
    assert.equal(cache.get(hash, now + 999)?.id, source.id);
    assert.equal(cache.get(hash, now + 1_000), undefined, 'expired');
    cache.set(hash, source, now);
    await store.getSource(source.id);
    assert.ok(cache.get(hash, now), 'a read keeps it');
    await store.updateSource(source.id, { disabled: true }, now);
    assert.equal(cache.get(hash, now), undefined, 'a write empties it');
    assert.equal(store.capabilities, harness.store.capabilities);
  } finally {
    await harness.stop();
  }
});

describe('receiving while storage is down', () => {
  let harness: InboundHarness;
  let broken: 'lookup' | 'record' | null = null;
  before(async () => {
    harness = await startInboundHarness({
      route: false,
      apiStore: (store) => new Proxy(store, {
        get(target, name, receiver) {
          if (name === 'findSourceByToken' && broken === 'lookup') return async () => { throw new Error('connection refused'); };
          if (name === 'recordInboundRequests' && broken === 'record') return async () => { throw new Error('disk I/O error'); };
          const value = Reflect.get(target, name, receiver) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      }) as Store,
    });
  });
  after(() => harness.stop());

  test('a failing lookup or commit is 503 with Retry-After, never a 2xx that was not committed', async () => {
    const { source, ingestUrl } = await harness.source('generic-webhook', {});
    broken = 'lookup';
    const lookup = await fetch(ingestUrl, { method: 'POST', body: 'a' });
    assert.equal(lookup.status, 503);
    assert.ok(lookup.headers.get('retry-after'));
    broken = 'record';
    const commit = await fetch(ingestUrl, { method: 'POST', body: 'b' });
    assert.equal(commit.status, 503);
    broken = null;
    assert.equal((await fetch(ingestUrl, { method: 'POST', body: 'c' })).status, 200);
    assert.deepEqual((await log(harness, source.id)).map((r) => r.body!.toString('utf8')), ['c']);
  });
});

const postgres = await postgresTestDatabase();

describe('receiving on PostgreSQL', { skip: !postgres }, () => {
  let harness: InboundHarness;
  before(async () => {
    const store = new PostgresStore({ connectionString: postgres!.url, schema: await postgres!.createSchema(), poolSize: 4 });
    await store.migrate();
    harness = await startInboundHarness({ store, route: false });
  });
  after(() => harness.stop());

  test('500 hostile requests are never answered 5xx, and none hangs', () => neverFiveHundred(harness, 500));

  test('a NUL in the path or in the provider\'s delivery id is stored, not a 503 (text columns take no NUL)', async () => {
    const { source, ingestUrl } = await harness.source('generic-webhook', {}, { dedupe: { from: 'body', path: 'id' } });
    const response = await fetch(`${ingestUrl}/a%00b`, { method: 'POST', body: '{"id":"x\\u0000y"}', headers: { 'content-type': 'application/json' } });
    assert.equal(response.status, 200);
    const [stored] = await log(harness, source.id);
    assert.equal(stored!.path, '/a%00b', 'as sent, still encoded');
    assert.equal(stored!.dedupeKey, 'x\\0y');
  });
});
