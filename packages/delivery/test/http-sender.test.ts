import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type LookupFunction, type Socket } from 'node:net';
import { SSRF_FORM_COUNT, SSRF_FORMS_PROMISED, SSRF_URL_COUNT, refusedUrls } from '@herald/testing/ssrf-forms';
import { watchTimerLag } from '@herald/testing/timer-lag';
import { HttpSender, type HttpSenderOptions, type SendRequest, type SendResult } from '../src/http-sender.ts';

const T = { timeout: 15_000 }; // no test may hang the run
const DEADLINE = 1_500;
/**
 * What an attempt may take past its deadline besides the process's own timer lateness (measured,
 * see watchTimerLag): aborting the request and settling its promise, a few ms on an idle machine.
 */
const DEADLINE_SLACK_MS = 500;

const servers: Array<Server | import('node:net').Server> = [];
const senders: HttpSender[] = [];
after(async () => {
  await Promise.all(senders.map((sender) => sender.close()));
  for (const server of servers) {
    if ('closeAllConnections' in server) server.closeAllConnections();
    server.close();
  }
});

/** A loopback server whose handler is the test's; counts the connections and requests it got. */
async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void) {
  const state = { connections: 0, requests: 0, bodies: [] as Buffer[], headers: [] as IncomingMessage['headers'][], sockets: [] as Socket[] };
  const server = createServer((request, response) => {
    state.requests++;
    state.headers.push(request.headers);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      state.bodies.push(Buffer.concat(chunks));
      handler(request, response);
    });
  });
  server.on('connection', (socket) => {
    state.connections++;
    state.sockets.push(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { state, port: (server.address() as AddressInfo).port };
}

/**
 * The sender under test, with every answer's durationMs checked against a clock outside it: the
 * attempt cannot have taken longer than the call that made it (a duration in the wrong unit, or a
 * timestamp instead of a duration, fails here).
 */
class CheckedSender extends HttpSender {
  override async send(request: SendRequest): Promise<SendResult> {
    const started = performance.now();
    const result = await super.send(request);
    const elapsed = performance.now() - started;
    if (result.kind !== 'not-sent') {
      assert.ok(result.durationMs >= 0 && result.durationMs <= elapsed,
        `durationMs ${result.durationMs} is within the ${elapsed.toFixed(1)} ms the send took`);
    }
    return result;
  }
}

function sender(options: Partial<HttpSenderOptions> = {}) {
  const created = new CheckedSender({ allowPrivateTargets: true, deadlineMs: DEADLINE, ...options });
  senders.push(created);
  return created;
}

const post = (port: number, path = '/') => ({ url: `http://127.0.0.1:${port}${path}`, headers: {}, body: '{}' });

function assertError(result: SendResult, reason: string) {
  assert.ok(result.kind === 'error' && result.reason === reason, `expected ${reason}, got ${JSON.stringify(result)}`);
}

/** Resolves answers for any name; `null` never answers at all. */
function stubLookup(answers: string[] | null | NodeJS.ErrnoException): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (answers === null) return;
    if (answers instanceof Error) return callback(answers);
    const all = answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    if (options.all) callback(null, all);
    else callback(null, all[0]!.address, all[0]!.family);
  }) as LookupFunction;
}

test('a 2xx answer comes back with status, headers and body; the request arrives byte-identical', T, async () => {
  const server = await serve((_request, response) => {
    response.setHeader('X-Reply', 'yes');
    response.setHeader('x-multi', ['a', 'b']);
    response.writeHead(201).end('created ✓');
  });
  const body = JSON.stringify({ name: 'Zoë ✓ 日本', emoji: '🎉', nested: { n: [1, 2.5, null] } });
  const result = await sender().send({ url: `http://127.0.0.1:${server.port}/hook?a=1&b=%20`, headers: { 'webhook-id': 'msg_1', 'X-Custom': 'v a l' }, body });
  assert.ok(result.kind === 'response', JSON.stringify(result));
  assert.equal(result.status, 201);
  assert.equal(result.headers['x-reply'], 'yes');
  assert.equal(result.headers['x-multi'], 'a, b');
  assert.equal(result.body, 'created ✓');
  assert.ok(server.state.bodies[0]!.equals(Buffer.from(body, 'utf8')));
  const headers = server.state.headers[0]!;
  assert.equal(headers['webhook-id'], 'msg_1');
  assert.equal(headers['x-custom'], 'v a l');
  assert.equal(headers['content-type'], 'application/json');
  assert.equal(headers['user-agent'], 'Herald-Webhooks/1.0');
  assert.equal(headers['accept-encoding'], undefined, 'no compressed answers are asked for (none are inflated)');
});

test('durationMs is the time the attempt took: no less than the receiver held its answer', T, async () => {
  let heldMs = 0;
  const server = await serve((_request, response) => {
    const arrived = performance.now();
    setTimeout(() => {
      heldMs = performance.now() - arrived;
      response.end('late');
    }, 200);
  });
  const result = await sender().send(post(server.port));
  assert.ok(result.kind === 'response' && result.status === 200, JSON.stringify(result));
  // The attempt began before the request arrived and ended after the answer left: it contains the hold.
  assert.ok(heldMs >= 150 && result.durationMs >= heldMs, `durationMs ${result.durationMs} for an answer held ${heldMs} ms`);
});

test('a custom content type replaces the default instead of being sent beside it', T, async () => {
  const server = await serve((_request, response) => response.end());
  await sender({ userAgent: 'Test/2' }).send({ ...post(server.port), headers: { 'Content-Type': 'application/cloudevents+json' } });
  assert.equal(server.state.headers[0]!['content-type'], 'application/cloudevents+json');
  assert.equal(server.state.headers[0]!['user-agent'], 'Test/2');
});

test('a redirect is an answer, not an instruction: its target gets no request', T, async () => {
  const target = await serve((_request, response) => response.end('should not be reached'));
  const http = sender();
  for (const status of [301, 302, 303, 307, 308]) {
    const server = await serve((_request, response) => response.writeHead(status, { location: `http://127.0.0.1:${target.port}/` }).end());
    const result = await http.send(post(server.port));
    assert.ok(result.kind === 'response' && result.status === status, JSON.stringify(result));
    assert.equal(result.headers.location, `http://127.0.0.1:${target.port}/`);
  }
  assert.equal(target.state.requests, 0);
});

test('at most 64 KiB of a large response is read and kept, without splitting a character, even when it is not UTF-8', T, async () => {
  const ascii = await serve((_request, response) => response.end('x'.repeat(1_048_576)));
  const result = await sender().send(post(ascii.port));
  assert.ok(result.kind === 'response');
  assert.equal(Buffer.byteLength(result.body), 65_536);

  const euros = await serve((_request, response) => response.end('€'.repeat(400_000))); // 3 bytes each
  const cut = await sender().send(post(euros.port));
  assert.ok(cut.kind === 'response');
  assert.ok(Buffer.byteLength(cut.body) <= 65_536);
  assert.equal(cut.body, '€'.repeat(21_845));

  const binary = await serve((_request, response) => response.end(Buffer.alloc(100_000, 0xff))); // never valid UTF-8
  const kept = await sender().send(post(binary.port));
  assert.ok(kept.kind === 'response' && Buffer.byteLength(kept.body) <= 65_536, 'a binary body keeps the cap');
  const shortBinary = await serve((_request, response) => response.end(Buffer.alloc(30_000, 0xff))); // 90 000 bytes once decoded
  const short = await sender().send(post(shortBinary.port));
  assert.ok(short.kind === 'response' && Buffer.byteLength(short.body) <= 65_536, 'a short binary body keeps the cap too');
});

test('a receiver that never answers, sends headers a byte a second, or trickles its body forever ends at the deadline', T, async () => {
  const silent = await serve(() => {});
  const trickling = await serve((_request, response) => {
    response.writeHead(200);
    const timer = setInterval(() => response.write('.'), 100);
    response.on('close', () => clearInterval(timer));
  });
  const slowHeaders = createTcpServer((socket) => {
    const head = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';
    let sent = 0;
    const timer = setInterval(() => (sent < head.length ? socket.write(head[sent++]!) : clearInterval(timer)), 1_000);
    socket.on('close', () => clearInterval(timer));
    socket.on('error', () => {});
  });
  servers.push(slowHeaders);
  await new Promise<void>((resolve) => slowHeaders.listen(0, '127.0.0.1', resolve));
  const ports = [silent.port, trickling.port, (slowHeaders.address() as AddressInfo).port];
  const lag = watchTimerLag();
  const elapsed = await Promise.all(ports.map(async (port) => {
    const started = performance.now();
    const result = await sender().send(post(port));
    assertError(result, 'timeout');
    return performance.now() - started;
  }));
  // Left alone, none of these would end before the test's own timeout (the headers take 40 s).
  const bound = DEADLINE + lag.stop() + DEADLINE_SLACK_MS;
  for (const ms of elapsed) assert.ok(ms < bound, `ended after ${ms.toFixed(0)} ms; the bound was ${bound.toFixed(0)} ms`);
});

test('a body cut short by the receiver is a network failure at once, not a response and not a wait for the deadline', T, async () => {
  const cutting = createTcpServer((socket) => {
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten b', () => socket.destroy()));
    socket.on('error', () => {});
  });
  servers.push(cutting);
  await new Promise<void>((resolve) => cutting.listen(0, '127.0.0.1', resolve));
  // No clock needed: with a deadline four times the test's timeout, an attempt that waited for it
  // would fail the test by timing out, and one that ended by the deadline would be a 'timeout'.
  const result = await sender({ deadlineMs: 4 * T.timeout }).send(post((cutting.address() as AddressInfo).port));
  assertError(result, 'network');
});

test('a DNS lookup that never answers ends at the deadline too', T, async () => {
  for (const allowPrivateTargets of [true, false]) {
    const lag = watchTimerLag();
    const started = performance.now();
    const result = await sender({ allowPrivateTargets, lookup: stubLookup(null) }).send({ url: 'http://hangs.example.com/', headers: {}, body: '{}' });
    const elapsed = performance.now() - started;
    assertError(result, 'timeout');
    const bound = DEADLINE + lag.stop() + DEADLINE_SLACK_MS;
    assert.ok(elapsed < bound, `ended after ${elapsed.toFixed(0)} ms; the bound was ${bound.toFixed(0)} ms`);
  }
});

test('without the development switch an IP literal of a private address gets no connection at all', T, async () => {
  const server = await serve((_request, response) => response.end('ok'));
  const guarded = sender({ allowPrivateTargets: false });
  assertError(await guarded.send(post(server.port)), 'blocked-address');
  assertError(await guarded.send({ url: `http://[::1]:${server.port}/`, headers: {}, body: '{}' }), 'blocked-address');
  assertError(await guarded.send({ url: `http://[::ffff:127.0.0.1]:${server.port}/`, headers: {}, body: '{}' }), 'blocked-address');
  assertError(await guarded.send({ url: `https://169.254.169.254/latest/meta-data/`, headers: {}, body: '{}' }), 'blocked-address');
  assert.equal(server.state.connections, 0);
  assert.equal(server.state.requests, 0);
});

test('every form in the SSRF table is refused at send time, before a connection to the canary receiver', T, async () => {
  const canary = await serve((_request, response) => response.end('reached'));
  const guarded = sender({ allowPrivateTargets: false, lookup: stubLookup(['127.0.0.1']) });
  const urls = refusedUrls(canary.port);
  assert.equal(SSRF_FORM_COUNT, SSRF_FORMS_PROMISED, `SECURITY.md promises ${SSRF_FORMS_PROMISED} forms`);
  assert.equal(new Set(urls).size, SSRF_URL_COUNT, 'every form is tried, each once');
  for (const url of urls) {
    const result = await guarded.send({ url, headers: {}, body: '{}' });
    assert.ok(result.kind === 'error' && ['blocked-address', 'invalid-url'].includes(result.reason), `${JSON.stringify(url)}: ${JSON.stringify(result)}`);
  }
  assert.equal(canary.state.connections, 0);
  assert.equal(canary.state.requests, 0);
});

test('with https-only on, plain http is refused at send time without a connection', T, async () => {
  const canary = await serve((_request, response) => response.end('reached'));
  const result = await sender({ httpsOnly: true }).send(post(canary.port));
  assertError(result, 'https-required');
  assert.equal(canary.state.connections, 0);
});

test('an opened private range is reached through DNS, and a name answering outside it still gets no connection', T, async () => {
  const server = await serve((_request, response) => response.end('ok'));
  const opened = { allowPrivateTargets: false, privateTargets: ['127.0.0.0/8'] };
  const reached = await sender({ ...opened, lookup: stubLookup(['127.0.0.1']) }).send({ url: `http://billing.internal:${server.port}/`, headers: {}, body: '{}' });
  assert.ok(reached.kind === 'response' && reached.status === 200, JSON.stringify(reached));
  const mixed = await sender({ ...opened, lookup: stubLookup(['127.0.0.1', '10.0.0.1']) }).send({ url: `http://billing.internal:${server.port}/`, headers: {}, body: '{}' });
  assertError(mixed, 'blocked-address');
  assert.equal(server.state.requests, 1, 'only the request inside the opened range arrived');
});

test('a name that resolves to a public and a loopback address (rebinding) gets no connection', T, async () => {
  const server = await serve((_request, response) => response.end('ok'));
  for (const answers of [['93.184.216.34', '127.0.0.1'], ['127.0.0.1', '93.184.216.34'], ['127.0.0.1'], ['2606:4700:4700::1111', '::ffff:127.0.0.1']]) {
    const result = await sender({ allowPrivateTargets: false, lookup: stubLookup(answers) }).send({ url: `http://hooks.example.com:${server.port}/`, headers: {}, body: '{}' });
    assertError(result, 'blocked-address');
  }
  assert.equal(server.state.connections, 0, 'the canary receiver saw no connection');
  assert.equal(server.state.requests, 0, 'the canary receiver counted no request');
});

test('with the development switch a stub-resolved name reaches the loopback receiver', T, async () => {
  const server = await serve((_request, response) => response.end('ok'));
  const result = await sender({ lookup: stubLookup(['127.0.0.1']) }).send({ url: `http://hooks.example.com:${server.port}/`, headers: {}, body: '{}' });
  assert.ok(result.kind === 'response' && result.status === 200, JSON.stringify(result));
  assert.equal(server.state.headers[0]!.host, `hooks.example.com:${server.port}`);
});

test('failures are classified: refused connection, unknown name, TLS, invalid URL', T, async () => {
  const closed = await serve(() => {});
  servers.pop()!.close();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assertError(await sender().send(post(closed.port)), 'connect');

  const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND', syscall: 'getaddrinfo' });
  assertError(await sender({ lookup: stubLookup(notFound) }).send({ url: 'http://nowhere.invalid/', headers: {}, body: '{}' }), 'dns');

  const plain = await serve((_request, response) => response.end('not tls'));
  assertError(await sender().send({ url: `https://127.0.0.1:${plain.port}/`, headers: {}, body: '{}' }), 'tls');

  for (const url of ['not a url', 'ftp://example.com/', '']) assertError(await sender().send({ url, headers: {}, body: '{}' }), 'invalid-url');
});

test('many concurrent sends to one origin share one pool of keep-alive connections', T, async () => {
  let inFlight = 0;
  let peak = 0;
  const server = await serve((_request, response) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    setTimeout(() => {
      inFlight--;
      response.end('ok');
    }, 10);
  });
  const limited = sender({ connectionsPerOrigin: 4 });
  for (let round = 0; round < 2; round++) {
    const results = await Promise.all(Array.from({ length: 40 }, () => limited.send(post(server.port))));
    assert.ok(results.every((result) => result.kind === 'response' && result.status === 200));
  }
  assert.equal(peak, 4);
  assert.equal(server.state.requests, 80);
  assert.ok(server.state.connections <= 4, `${server.state.connections} connections for 80 requests`);
});

test('beyond maxOrigins the least recently used pool is closed', T, async () => {
  const [first, second] = [await serve((_q, r) => r.end('1')), await serve((_q, r) => r.end('2'))];
  const http = sender({ maxOrigins: 1 });
  assert.equal((await http.send(post(first.port))).kind, 'response');
  const firstSocketClosed = new Promise((resolve) => first.state.sockets[0]!.once('close', resolve));
  assert.equal((await http.send(post(second.port))).kind, 'response');
  await firstSocketClosed;
  assert.equal((await http.send(post(first.port))).kind, 'response', 'an evicted origin gets a new pool');
});

test('a request that waits too long for its origin is handed back unsent', T, async () => {
  const server = await serve((_request, response) => setTimeout(() => response.end('slow'), 300));
  const limited = sender({ connectionsPerOrigin: 1, maxQueueMs: 50 });
  const [first, second] = await Promise.all([limited.send(post(server.port)), limited.send(post(server.port))]);
  assert.equal(first.kind, 'response');
  assert.equal(second.kind, 'not-sent');
  assert.equal(server.state.requests, 1);
});

test('requests are signed when sent, with every active secret, and custom headers cannot replace the signature', T, async () => {
  const { Webhook } = await import('standardwebhooks');
  const { generateSecret } = await import('@herald/core');
  const server = await serve((_request, response) => response.end('ok'));
  const [current, previous] = [generateSecret(), generateSecret()];
  const body = '{"n":1}';
  const sentAfter = Date.now();
  await sender().send({
    url: `http://127.0.0.1:${server.port}/`,
    headers: { 'Webhook-Signature': 'v1,forged', 'webhook-id': 'forged' },
    body,
    signing: { msgId: 'msg_signed', secrets: [current, previous] },
  });
  const headers = server.state.headers[0] as Record<string, string>;
  assert.equal(headers['webhook-id'], 'msg_signed');
  assert.ok(!headers['webhook-signature']!.includes('forged'));
  // Signed during the call, in whole seconds: bounded by this machine's clock around it, no tolerance to guess.
  const timestamp = Number(headers['webhook-timestamp']);
  assert.ok(timestamp >= Math.floor(sentAfter / 1000) && timestamp <= Math.floor(Date.now() / 1000), `webhook-timestamp ${timestamp}`);
  for (const secret of [current, previous]) assert.deepEqual(new Webhook(secret).verify(body, headers), { n: 1 });
});

test('forwarded request headers are sent beneath the endpoint headers, without hop-by-hop, framing or webhook-* ones', T, async () => {
  const server = await serve((_request, response) => response.end('ok'));
  const body = 'a=1&b=2';
  await sender().send({
    url: `http://127.0.0.1:${server.port}/`,
    headers: { 'X-Team': 'endpoint wins' },
    forwarded: {
      'Content-Type': 'application/x-www-form-urlencoded', 'x-github-event': 'push', 'x-team': 'provider',
      connection: 'upgrade', 'transfer-encoding': 'chunked', 'content-length': '999', host: 'evil.example',
      'webhook-id': 'provider-id', 'webhook-signature': 'v1,provider', 'user-agent': 'GitHub-Hookshot/1',
    },
    body,
    signing: { msgId: 'msg_forwarded', secrets: [(await import('@herald/core')).generateSecret()] },
  });
  const headers = server.state.headers[0] as Record<string, string>;
  assert.equal(headers['content-type'], 'application/x-www-form-urlencoded', 'the original content type, not application/json');
  assert.equal(headers['x-github-event'], 'push');
  assert.equal(headers['x-team'], 'endpoint wins');
  assert.equal(headers['content-length'], String(body.length));
  assert.equal(headers['host'], `127.0.0.1:${server.port}`);
  assert.equal(headers['transfer-encoding'], undefined);
  assert.equal(headers['webhook-id'], 'msg_forwarded');
  assert.ok(!headers['webhook-signature']!.includes('provider'));
  assert.match(headers['user-agent']!, /^Herald/);
  assert.equal(server.state.bodies[0]!.toString('utf8'), body);
});

test('after close, sends are handed back unsent and never throw', T, async () => {
  const http = new HttpSender({ allowPrivateTargets: true });
  await http.close();
  assert.equal((await http.send({ url: 'http://127.0.0.1:9/', headers: {}, body: '{}' })).kind, 'not-sent');
});
