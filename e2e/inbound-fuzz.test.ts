import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { Svix } from 'svix';
import { TEST_ADMIN_TOKEN, bearerFetch, cleanupList, eventually, spawnHerald, startReceiver, tempDir, testEnv, type HeraldProcess, type Receiver } from '@herald/testing';
import { postgresModeEnv, postgresTestDatabase } from '@herald/testing/postgres';
import { CLOSED_WHILE_SENDING, sendRaw, type RawAnswer, type RawRequest } from './support/raw-http.ts';

const REQUESTS = 500;
const CONCURRENCY = 12;
const MAX_BODY = 65_536;
/** Every request of a mode must be answered within this; none may wait for a timeout of ours. */
const DEADLINE_MS = 120_000;
const GITHUB_SECRET = 'gh-fuzz-secret';
const STRIPE_SECRET = 'whsec_fuzz_stripe';
const SLACK_SECRET = 'slack-fuzz-secret';

const database = await postgresTestDatabase();

interface Targets { github: string; stripe: string; slack: string; generic: string; apiKey: string; disabled: string; walled: string; limited: string }
type Hostile = { kind: string; request: RawRequest };

const githubSignature = (body: Buffer) => `sha256=${createHmac('sha256', GITHUB_SECRET).update(body).digest('hex')}`;

/** A request line and headers; content-length from the body unless the headers set framing themselves. */
function head(method: string, target: string, headers: Array<[string, string]>, body?: Buffer): string {
  const framed = headers.some(([name]) => /^(content-length|transfer-encoding)$/i.test(name));
  const lines = [`${method} ${target} HTTP/1.1`, 'host: 127.0.0.1', 'connection: close', ...headers.map(([name, value]) => `${name}: ${value}`)];
  if (!framed && body !== undefined) lines.push(`content-length: ${body.length}`);
  return lines.join('\r\n');
}

function chunked(body: Buffer, size = 1024): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += size) {
    const piece = body.subarray(at, at + size);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  return Buffer.concat([...parts, Buffer.from('0\r\n\r\n')]);
}

/** 500 hostile requests, 14 kinds, drawn from a fixed seed so a failure can be replayed. */
function hostileRequests(t: Targets, seed: number): Hostile[] {
  const text = fc.string({ unit: 'binary', maxLength: 300 });
  const bytes = fc.uint8Array({ maxLength: 400 });
  const badJson = fc.oneof(
    fc.constantFrom('{', '{"a":', '[1,2', 'nul', '{"a":1,}', '{"a":NaN}', '{"__proto__":{"x":1}', '"\\ud800"', '{"a":"\\u0000"}', '01', ''),
    text.map((value) => `{"ref":${value}`),
    fc.integer({ min: 1_000, max: 30_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
    fc.integer({ min: 1_000, max: 20_000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
  );
  const form = fc.oneof(
    fc.constantFrom('a=1&b=%ZZ&c', '&&&===', 'payload=%7B%22a%22', 'a[b][c][d][e]=1&a[b]=2', '%00=%00', '=', '+'.repeat(5_000)),
    text.map((value) => `payload=${encodeURIComponent(value)}&x=${value}`),
    fc.integer({ min: 100, max: 3_000 }).map((count) => Array.from({ length: count }, (_, i) => `k${i}=${i}`).join('&')),
  );
  const method = fc.constantFrom('GET', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'FOO');
  const anyTarget = fc.constantFrom(...Object.values(t));
  const kinds: Array<fc.Arbitrary<Hostile>> = [
    // Bad JSON, signed correctly (verified, then read by dedupe, event type and the router) and unsigned.
    fc.tuple(badJson, fc.boolean()).map(([value, signed]) => {
      const body = Buffer.from(value);
      const target = signed ? t.github : t.generic;
      const headers: Array<[string, string]> = [['content-type', 'application/json'], ['x-github-event', 'push'], ['x-github-delivery', `d-${value.length}-${signed}`]];
      if (signed) headers.push(['x-hub-signature-256', githubSignature(body)]);
      return { kind: 'bad json', request: { head: head('POST', target, headers, body), body } };
    }),
    fc.tuple(form, fc.constantFrom('application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-16', 'application/json', 'multipart/form-data; boundary=x'), fc.boolean())
      .map(([value, type, toSlack]) => {
        const body = Buffer.from(value);
        const headers: Array<[string, string]> = [['content-type', type]];
        if (toSlack) {
          const ts = String(Math.floor(Date.now() / 1000));
          headers.push(['x-slack-request-timestamp', ts], ['x-slack-signature', `v0=${createHmac('sha256', SLACK_SECRET).update(`v0:${ts}:${value}`).digest('hex')}`]);
        }
        return { kind: 'form body', request: { head: head('POST', toSlack ? t.slack : t.generic, headers, body), body } };
      }),
    // NUL bytes: in the body (valid UTF-8), in the query and path, raw in a header (the parser's 400).
    fc.tuple(bytes, fc.constantFrom('body', 'query', 'path', 'header')).map(([random, where]) => {
      const body = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0, 0]), Buffer.from(random.filter((byte) => byte < 0x80)), Buffer.from('"}')]);
      if (where === 'header') return { kind: 'nul bytes', request: { raw: Buffer.concat([Buffer.from(`POST ${t.generic} HTTP/1.1\r\nhost: x\r\nx-evil: a\0b\r\ncontent-length: 2\r\n\r\n{}`, 'latin1')]), head: '' } };
      const target = where === 'query' ? `${t.generic}?a=%00&b=\u0000`.replace('\u0000', '%00') : where === 'path' ? `${t.generic}/%00/..%2f%00` : t.github;
      const headers: Array<[string, string]> = [['content-type', 'application/json'], ['x-hub-signature-256', githubSignature(body)], ['x-github-event', 'push\0'.replace('\0', '%00')]];
      return { kind: 'nul bytes', request: { head: head('POST', target, headers, body), body } };
    }),
    // Bytes that are not UTF-8 (or random), to every source.
    fc.tuple(bytes, anyTarget).map(([random, target]) => {
      const body = Buffer.concat([Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(random)]);
      return { kind: 'not utf-8', request: { head: head('POST', target, [['content-type', 'application/octet-stream'], ['x-hub-signature-256', githubSignature(body)]], body), body } };
    }),
    // Huge headers: one over Node's 16 KiB, many small ones, a long signature.
    fc.tuple(fc.integer({ min: 1, max: 40_000 }), fc.integer({ min: 1, max: 400 }), anyTarget).map(([size, count, target]) => {
      const body = Buffer.from('{"a":1}');
      const headers: Array<[string, string]> = [['x-big', 'a'.repeat(size)], ...Array.from({ length: count }, (_, i): [string, string] => [`x-h${i}`, String(i)]),
        ['x-hub-signature-256', `sha256=${'f'.repeat(size % 9_000)}`], ['stripe-signature', `t=1,${'v1=ab,'.repeat(size % 2_000)}`]];
      return { kind: 'huge headers', request: { head: head('POST', target, headers, body), body } };
    }),
    fc.tuple(method, anyTarget).map(([verb, target]) => {
      const body = verb === 'GET' || verb === 'HEAD' ? undefined : Buffer.from('{"a":1}');
      return { kind: 'wrong method', request: { head: head(verb, target, [['content-type', 'application/json']], body), ...(body ? { body } : {}) } };
    }),
    // Slow senders that do finish: the body in pieces, tens of ms apart.
    fc.tuple(fc.integer({ min: 3, max: 12 }), fc.integer({ min: 20, max: 120 }), fc.boolean()).map(([pieces, dripMs, signed]) => {
      const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', padding: 'x'.repeat(2_000) }));
      const headers: Array<[string, string]> = [['content-type', 'application/json'], ['x-github-event', 'push'], ['x-github-delivery', `slow-${pieces}-${dripMs}`]];
      if (signed) headers.push(['x-hub-signature-256', githubSignature(body)]);
      return { kind: 'slow body', request: { head: head('POST', signed ? t.github : t.stripe, headers, body), body, pieces, dripMs } };
    }),
    // Oversized: declared (413 before a byte is read), chunked (413 while it is still coming), or a lie.
    fc.tuple(fc.constantFrom('declared', 'chunked', 'short'), anyTarget).map(([how, target]) => {
      const body = Buffer.alloc(MAX_BODY * 3, 'a');
      if (how === 'declared') return { kind: 'oversized', request: { head: head('POST', target, [['content-type', 'application/json']], body), body, pieces: 16 } };
      if (how === 'chunked') return { kind: 'oversized', request: { head: head('POST', target, [['transfer-encoding', 'chunked']]), body: chunked(body, 8_192), pieces: 24, dripMs: 5 } };
      return { kind: 'oversized', request: { head: head('POST', target, [['content-length', String(MAX_BODY * 10)]], body), body: Buffer.from('{}') } };
    }),
    // Malformed framing and request lines, for Node's parser and what follows it.
    fc.constantFrom(
      `POST ${t.github} HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n`,
      `POST ${t.generic} HTTP/1.1\r\nhost: x\r\ncontent-length: -1\r\n\r\n`,
      `POST ${t.generic} HTTP/1.1\r\nhost: x\r\ncontent-length: abc\r\n\r\n`,
      `POST ${t.generic} HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}`,
      `POST ${t.generic} HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n`,
      `POST ${t.generic} HTTP/9.9\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}`,
      `POST ${t.generic}\r\n\r\n`,
      `POST /in/${'a'.repeat(9_000)} HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}`,
      `POST /in/%ZZ%00 HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}`,
      `POST /in/../api/v1/app HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}`,
      `\0\0\0\0\r\n\r\n`,
    ).map((raw) => ({ kind: 'malformed', request: { head: '', raw: Buffer.from(raw, 'latin1') } })),
    // Signatures of every wrong shape.
    fc.tuple(text, fc.constantFrom('github', 'stripe', 'slack')).map(([noise, to]) => {
      const body = Buffer.from(`{"id":"evt_${noise.length}","type":"x"}`);
      const latin = Buffer.from(noise, 'latin1').toString('latin1').replace(/[\r\n\0]/g, '');
      const headers: Array<[string, string]> = to === 'github'
        ? [['x-hub-signature-256', `sha256=${latin}`], ['x-hub-signature-256', 'sha1=00']]
        : to === 'stripe'
          ? [['stripe-signature', `t=${latin},v1=${latin},t=99999999999999999999,v1=`]]
          : [['x-slack-request-timestamp', latin || 'NaN'], ['x-slack-signature', `v0=${latin}`]];
      return { kind: 'bad signature', request: { head: head('POST', t[to as 'github'], [['content-type', 'application/json'], ...headers], body), body } };
    }),
    // Refused sources (disabled, allowlisted elsewhere, rate-limited, api-key without its key) and unknown tokens.
    fc.tuple(fc.constantFrom(t.disabled, t.walled, t.limited, t.apiKey, `${t.apiKey}?key=wrong`, '/in/unknown-token', '/in/', '/in'), text).map(([target, value]) => {
      const body = Buffer.from(JSON.stringify({ value }));
      return { kind: 'refused source', request: { head: head('POST', target, [['content-type', 'application/json']], body), body } };
    }),
    // Content types that lie or are absent, to a source that checks nothing.
    fc.tuple(bytes, fc.constantFrom('', 'application/json; charset=utf-16', 'text/plain', 'application/xml', '*/*', 'application/json\0')).map(([random, type]) => {
      const body = Buffer.from(random.filter((byte) => byte < 0x80));
      const headers: Array<[string, string]> = type === '' ? [] : [['content-type', type.replace('\0', '%00')]];
      return { kind: 'content type', request: { head: head('POST', t.generic, headers, body), body } };
    }),
    // Repeated provider deliveries, sent at once: duplicates under concurrency.
    fc.integer({ min: 0, max: 3 }).map((n) => {
      const body = Buffer.from(`{"ref":"refs/heads/main","n":${n}}`);
      const headers: Array<[string, string]> = [['content-type', 'application/json'], ['x-github-event', 'push'], ['x-github-delivery', `same-${n}`], ['x-hub-signature-256', githubSignature(body)]];
      return { kind: 'duplicate', request: { head: head('POST', t.github, headers, body), body } };
    }),
  ];
  const perKind = Math.ceil(REQUESTS / kinds.length);
  const drawn = kinds.flatMap((kind, i) => fc.sample(kind, { numRuns: perKind, seed: seed + i }));
  // Two senders that stall halfway and keep the connection open: Herald must close them itself.
  const stalled = [0, 1].map((i): Hostile => {
    const body = Buffer.from(JSON.stringify({ stalled: i, padding: 'x'.repeat(4_000) }));
    return { kind: 'stalled body', request: { head: head('POST', i === 0 ? t.github : t.generic, [['content-type', 'application/json']], body), body, stallAfter: 1_000 } };
  });
  return [...stalled, ...fc.sample(fc.shuffledSubarray(drawn, { minLength: drawn.length }), { numRuns: 1, seed })[0]!].slice(0, REQUESTS);
}

/**
 * Answered: a status line came back. An oversized body may instead be cut off by the server closing
 * the connection mid-upload, whose reset can swallow the 413 before the client reads it; that too
 * ends the request at once, and only an oversized body may end so.
 */
const unanswered = (answer: RawAnswer & { kind: string }) =>
  answer.status === 0 && !(answer.kind === 'oversized' && answer.error?.startsWith(CLOSED_WHILE_SENDING));

function fuzzSuite(mode: string, start: () => Promise<HeraldProcess>): void {
  describe(`hostile requests to ingest URLs (${mode})`, () => {
    const cleanups = cleanupList();
    let herald: HeraldProcess;
    let receiver: Receiver;
    let targets: Targets;
    let signedSourceId: string;
    let routedSourceIds: string[];
    const answers: Array<RawAnswer & { kind: string }> = [];

    before(async () => {
      receiver = await startReceiver();
      cleanups.add(() => receiver.close());
      herald = await start();
      cleanups.add(async () => {
        herald.child.kill('SIGKILL');
        await herald.exited;
      });
      const svix = new Svix(TEST_ADMIN_TOKEN, { serverUrl: herald.url, numRetries: 0 } as never);
      const path = async (body: Record<string, unknown>) => {
        const response = await bearerFetch(`${herald.url}/ingest/api/v1/source`, TEST_ADMIN_TOKEN, 'POST', body);
        const created = (await response.json()) as { id: string; ingestUrl: string };
        assert.equal(response.status, 201, JSON.stringify(created));
        return { id: created.id, path: new URL(created.ingestUrl).pathname };
      };
      const github = await path({ name: 'github', type: 'github', config: { secret: GITHUB_SECRET } });
      const generic = await path({ name: 'generic', type: 'generic-webhook' });
      signedSourceId = github.id;
      routedSourceIds = [github.id, generic.id];
      targets = {
        github: github.path,
        stripe: (await path({ name: 'stripe', type: 'stripe', config: { secret: STRIPE_SECRET } })).path,
        slack: (await path({ name: 'slack', type: 'slack', config: { secret: SLACK_SECRET } })).path,
        generic: generic.path,
        apiKey: (await path({ name: 'key', type: 'api-key', config: { key: 'the-key', query: 'key' } })).path,
        disabled: (await path({ name: 'off', type: 'generic-webhook', disabled: true })).path,
        walled: (await path({ name: 'walled', type: 'generic-webhook', allowedIps: ['203.0.113.0/24'] })).path,
        limited: (await path({ name: 'limited', type: 'generic-webhook', rateLimit: 2 })).path,
      };
      // Endpoints with filters, so hostile bodies that are accepted go through the router too.
      for (const [sourceId, filter] of [[github.id, { body: { ref: { $startsWith: 'refs/heads/' } } }], [generic.id, { body: { a: { $exist: true } }, headers: { 'content-type': 'application/json' } }], [generic.id, null]] as const) {
        const endpoint = await svix.ingest.endpoint.create(sourceId, { url: receiver.url });
        const response = await bearerFetch(`${herald.url}/ingest/api/v1/source/${sourceId}/endpoint/${endpoint.id}`, TEST_ADMIN_TOKEN, 'PUT',
          { url: receiver.url, filter, forwardHeaders: ['content-type', 'x-github-event'] });
        assert.equal(response.status, 200, await response.text());
      }
    });

    // Servers stop first, so an assertion that fails here leaves nothing running.
    after(async () => {
      await cleanups.run();
      assert.ok(answers.length === REQUESTS, `${answers.length} of ${REQUESTS} requests were sent`);
      const bad = answers.filter((answer) => unanswered(answer) || answer.status >= 500);
      assert.deepEqual(bad.map((answer) => `${answer.kind}: ${answer.status} ${answer.error}`), [], 'every hostile request got an answer, never a 5xx');
    });

    test(`${REQUESTS} hostile requests are each answered within the deadline, never with a 5xx, and Herald carries on`, async () => {
      const port = Number(new URL(herald.url).port);
      const hostile = hostileRequests(targets, 12_012);
      assert.equal(hostile.length, REQUESTS);
      const started = Date.now();
      let next = 0;
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (next < hostile.length) {
          const { kind, request } = hostile[next++]!;
          answers.push({ kind, ...await sendRaw(port, request, DEADLINE_MS) });
        }
      }));
      const elapsed = Date.now() - started;
      const byKind = new Map<string, { statuses: Set<number>; slowest: number }>();
      for (const answer of answers) {
        const seen = byKind.get(answer.kind) ?? { statuses: new Set<number>(), slowest: 0 };
        byKind.set(answer.kind, { statuses: seen.statuses.add(answer.status), slowest: Math.max(seen.slowest, answer.ms) });
      }
      process.stdout.write(`# ${mode}: ${answers.length} requests in ${elapsed} ms; ${[...byKind].map(([kind, { statuses, slowest }]) =>
        `${kind} ${[...statuses].sort().join('/')} (slowest ${slowest} ms)`).join('; ')}\n`);
      assert.deepEqual(answers.filter(unanswered).map((answer) => `${answer.kind}: ${answer.error}`), [], 'every request answered');
      const errors = answers.filter((answer) => answer.status >= 500);
      assert.deepEqual(errors.map((answer) => `${answer.kind}: ${answer.status}`), [], 'no 5xx');
      assert.ok(answers.some((answer) => answer.status === 200) && answers.some((answer) => answer.status === 401) && answers.some((answer) => answer.status === 413),
        'the mix reached acceptance, verification and the size limit');

      // Still serving: a well-formed signed request is accepted, routed and delivered after all that.
      const body = '{"ref":"refs/heads/main","after":"fuzz-done"}';
      const response = await fetch(`${herald.url}${targets.github}`, { method: 'POST', body, headers: {
        'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'after-fuzz', 'x-hub-signature-256': githubSignature(Buffer.from(body)) } });
      assert.equal(response.status, 200);
      await eventually(() => (receiver.requests.some((request) => request.body === body) ? true : undefined), 30_000, 'the request after the fuzz to be delivered');
      const log = await (await bearerFetch(`${herald.url}/ingest/api/v1/source/${signedSourceId}/request?verdict=rejected&limit=1`, TEST_ADMIN_TOKEN)).json() as { data: unknown[] };
      assert.equal(log.data.length, 1, 'rejected requests were recorded');

      // Whatever was accepted, however hostile its body, is routed (in PostgreSQL too, whose text refuses some bytes).
      const unrouted = async () => {
        const stuck: string[] = [];
        for (const sourceId of routedSourceIds) {
          let iterator: string | null = null;
          do {
            const page = await (await bearerFetch(`${herald.url}/ingest/api/v1/source/${sourceId}/request?verdict=accepted&limit=250${iterator ? `&iterator=${iterator}` : ''}`,
              TEST_ADMIN_TOKEN)).json() as { data: Array<{ id: string; body: string | null; routingRound: number; routedRound: number }>; iterator: string | null; done: boolean };
            stuck.push(...page.data.filter((entry) => entry.routedRound < entry.routingRound).map((entry) => `${entry.id} ${JSON.stringify(entry.body?.slice(0, 60))}`));
            iterator = page.done ? null : page.iterator;
          } while (iterator);
        }
        return stuck;
      };
      let stuck: string[] = [];
      await eventually(async () => ((stuck = await unrouted()).length === 0 ? true : undefined), 60_000, 'every accepted request to be routed')
        .catch((error: Error) => assert.fail(`${error.message}; not routed: ${stuck.join('; ')}`));
    });
  });
}

fuzzSuite('embedded SQLite', async () => {
  const dir = tempDir();
  const herald = await spawnHerald(testEnv(dir.path, { HERALD_INBOUND_MAX_BODY_BYTES: String(MAX_BODY) }));
  void herald.exited.then(() => dir.remove());
  return herald;
});

if (database) {
  fuzzSuite('PostgreSQL', async () => {
    const dir = tempDir();
    const herald = await spawnHerald(postgresModeEnv(database.url, 'all', dir.path, { HERALD_INBOUND_MAX_BODY_BYTES: String(MAX_BODY) }), 60_000);
    void herald.exited.then(() => dir.remove());
    return herald;
  });
}
