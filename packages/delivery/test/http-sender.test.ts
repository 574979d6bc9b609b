import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { HttpSender } from '../src/http-sender.ts';
import { ThreadedSender } from '../src/threaded-sender.ts';

const servers: Server[] = [];
const senders: Array<{ close(): Promise<void> }> = [];
after(async () => {
  await Promise.all(senders.map((sender) => sender.close()));
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

/** A loopback server whose handler is the test's; counts the requests it got. */
async function serve(handler: (request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => void) {
  const state = { requests: 0, bodies: [] as string[], headers: [] as Record<string, unknown>[] };
  const server = createServer((request, response) => {
    state.requests++;
    state.headers.push(request.headers);
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      state.bodies.push(body);
      handler(request, response);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { ...state, state, port: (server.address() as AddressInfo).port };
}

function sender(options: Partial<ConstructorParameters<typeof HttpSender>[0]> = {}) {
  const created = new HttpSender({ allowPrivateTargets: true, deadlineMs: 1_500, ...options });
  senders.push(created);
  return created;
}

test('a 2xx answer comes back with status, headers and body; the request arrives byte-identical', async () => {
  const server = await serve((_request, response) => response.writeHead(201, { 'x-reply': 'yes' }).end('created ✓'));
  const body = JSON.stringify({ name: 'Zoë ✓ 日本', emoji: '🎉' });
  const result = await sender().send({ url: `http://127.0.0.1:${server.port}/hook?a=1`, headers: { 'webhook-id': 'msg_1', 'x-custom': 'v' }, body });
  assert.equal(result.kind, 'response');
  assert.ok(result.kind === 'response');
  assert.equal(result.status, 201);
  assert.equal(result.headers['x-reply'], 'yes');
  assert.equal(result.body, 'created ✓');
  assert.equal(server.state.bodies[0], body);
  assert.equal(server.state.headers[0]!['webhook-id'], 'msg_1');
  assert.equal(server.state.headers[0]!['x-custom'], 'v');
  assert.equal(server.state.headers[0]!['content-type'], 'application/json');
});

test('a redirect is an answer, not an instruction: its target gets no request', async () => {
  const target = await serve((_request, response) => response.end('should not be reached'));
  const redirecting = await serve((_request, response) => response.writeHead(307, { location: `http://127.0.0.1:${target.port}/` }).end());
  for (const status of [301, 302, 307, 308]) {
    const server = status === 307 ? redirecting : await serve((_request, response) => response.writeHead(status, { location: `http://127.0.0.1:${target.port}/` }).end());
    const result = await sender().send({ url: `http://127.0.0.1:${server.port}/`, headers: {}, body: '{}' });
    assert.ok(result.kind === 'response' && result.status === status);
  }
  assert.equal(target.state.requests, 0);
});

test('at most 64 KiB of a large response is read and kept', async () => {
  const server = await serve((_request, response) => response.end('x'.repeat(1_048_576)));
  const result = await sender().send({ url: `http://127.0.0.1:${server.port}/`, headers: {}, body: '{}' });
  assert.ok(result.kind === 'response');
  assert.equal(Buffer.byteLength(result.body), 65_536);
});

test('a receiver that never answers, and one that trickles its body forever, both end at the deadline', async () => {
  const silent = await serve(() => {});
  const trickling = await serve((_request, response) => {
    response.writeHead(200);
    const timer = setInterval(() => response.write('.'), 100);
    response.on('close', () => clearInterval(timer));
  });
  for (const server of [silent, trickling]) {
    const started = Date.now();
    const result = await sender({ deadlineMs: 1_500 }).send({ url: `http://127.0.0.1:${server.port}/`, headers: {}, body: '{}' });
    assert.ok(result.kind === 'error' && result.reason === 'timeout', JSON.stringify(result));
    assert.ok(Date.now() - started < 1_500 + 1_000, `ended after ${Date.now() - started} ms`);
  }
});

test('without the development switch a loopback address gets no connection', async () => {
  const server = await serve((_request, response) => response.end('ok'));
  const result = await sender({ allowPrivateTargets: false }).send({ url: `http://127.0.0.1:${server.port}/`, headers: {}, body: '{}' });
  assert.ok(result.kind === 'error' && result.reason === 'blocked-address', JSON.stringify(result));
  assert.equal(server.state.requests, 0);
});

test('a name that resolves to a public and a loopback address (rebinding) gets no connection', async () => {
  const server = await serve((_request, response) => response.end('ok'));
  const mixed: LookupFunction = ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    const answers = [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }];
    if (options.all) callback(null, answers);
    else callback(null, answers[1]!.address, 4);
  }) as LookupFunction;
  const loopbackOnly: LookupFunction = ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  }) as LookupFunction;
  for (const lookup of [mixed, loopbackOnly]) {
    const result = await sender({ allowPrivateTargets: false, lookup }).send({ url: `http://hooks.example.com:${server.port}/`, headers: {}, body: '{}' });
    assert.ok(result.kind === 'error' && result.reason === 'blocked-address', JSON.stringify(result));
  }
  assert.equal(server.state.requests, 0, 'the canary receiver counted no request');
});

test('a refused connection is reported as a connect failure', async () => {
  const server = await serve(() => {});
  const port = server.port;
  servers.pop()!.close();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const result = await sender().send({ url: `http://127.0.0.1:${port}/`, headers: {}, body: '{}' });
  assert.ok(result.kind === 'error' && (result.reason === 'connect' || result.reason === 'network'), JSON.stringify(result));
});

test('one origin never gets more requests in flight than its concurrency limit', async () => {
  let inFlight = 0;
  let peak = 0;
  const server = await serve((_request, response) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    setTimeout(() => {
      inFlight--;
      response.end('ok');
    }, 20);
  });
  const limited = sender({ connectionsPerOrigin: 4 });
  const results = await Promise.all(Array.from({ length: 40 }, () => limited.send({ url: `http://127.0.0.1:${server.port}/`, headers: {}, body: '{}' })));
  assert.ok(results.every((result) => result.kind === 'response' && result.status === 200));
  assert.equal(peak, 4);
});

test('a request that waits too long for its origin is handed back unsent', async () => {
  const server = await serve((_request, response) => setTimeout(() => response.end('slow'), 300));
  const limited = sender({ connectionsPerOrigin: 1, maxQueueMs: 50 });
  const [first, second] = await Promise.all([
    limited.send({ url: `http://127.0.0.1:${server.port}/`, headers: {}, body: '{}' }),
    limited.send({ url: `http://127.0.0.1:${server.port}/`, headers: {}, body: '{}' }),
  ]);
  assert.equal(first.kind, 'response');
  assert.equal(second.kind, 'not-sent');
  assert.equal(server.state.requests, 1);
});

test('the threaded sender gives the same answers from its own thread', async () => {
  const server = await serve((_request, response) => response.writeHead(202).end('accepted'));
  const threaded = new ThreadedSender({ allowPrivateTargets: true });
  senders.push(threaded);
  const results = await Promise.all(Array.from({ length: 20 }, (_, n) => threaded.send({ url: `http://127.0.0.1:${server.port}/`, headers: {}, body: `{"n":${n}}` })));
  assert.ok(results.every((result) => result.kind === 'response' && result.status === 202 && result.body === 'accepted'));
  const blocked = new ThreadedSender({ allowPrivateTargets: false });
  senders.push(blocked);
  const refused = await blocked.send({ url: `http://127.0.0.1:${server.port}/`, headers: {}, body: '{}' });
  assert.ok(refused.kind === 'error' && refused.reason === 'blocked-address');
  assert.equal(server.state.requests, 20);
});

test('requests are signed when sent, with every active secret, and custom headers cannot replace the signature', async () => {
  const { Webhook } = await import('standardwebhooks');
  const { generateSecret } = await import('@herald/core');
  const server = await serve((_request, response) => response.end('ok'));
  const [current, previous] = [generateSecret(), generateSecret()];
  const body = '{"n":1}';
  await sender().send({
    url: `http://127.0.0.1:${server.port}/`,
    headers: { 'webhook-signature': 'v1,forged', 'webhook-id': 'forged' },
    body,
    signing: { msgId: 'msg_signed', secrets: [current, previous] },
  });
  const headers = server.state.headers[0] as Record<string, string>;
  assert.equal(headers['webhook-id'], 'msg_signed');
  assert.ok(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000) < 5);
  for (const secret of [current, previous]) assert.deepEqual(new Webhook(secret).verify(body, headers), { n: 1 });
});
