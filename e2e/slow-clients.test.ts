import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { eventually, startTestHerald } from '@herald/testing';

/**
 * A raw connection from `localAddress` (any 127.x address is loopback on Linux, so one machine
 * can be many clients) that records when the server closed it and what it answered, if anything.
 */
function openConnection(port: number, localAddress: string) {
  const socket: Socket = connect({ host: '127.0.0.1', port, localAddress });
  const opened = performance.now();
  const state = { socket, closedAfterMs: undefined as number | undefined, answer: '' };
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (state.answer += chunk));
  socket.on('error', () => undefined);
  socket.on('close', () => (state.closedAfterMs = performance.now() - opened));
  return state;
}

/** Writes `text` a piece at a time, every `everyMs`, while the socket lasts: a client that never finishes. */
function trickle(socket: Socket, pieces: () => string, everyMs: number): NodeJS.Timeout {
  const timer = setInterval(() => {
    if (socket.destroyed) clearInterval(timer);
    else socket.write(pieces());
  }, everyMs);
  return timer;
}

async function normalCall(url: string, token: string): Promise<number> {
  const response = await fetch(`${url}/api/v1/app`, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
}

test('500 slow connections (slow headers, slow bodies) are cut within the configured deadlines while normal traffic all succeeds', async () => {
  const herald = await startTestHerald({
    HERALD_HEADERS_TIMEOUT: '2s', HERALD_REQUEST_TIMEOUT: '4s', HERALD_MAX_CONNECTIONS_PER_CLIENT: '64',
  });
  const timers: NodeJS.Timeout[] = [];
  const slow: Array<ReturnType<typeof openConnection> & { kind: 'headers' | 'body' }> = [];
  after(async () => {
    for (const timer of timers) clearInterval(timer);
    for (const connection of slow) connection.socket.destroy();
    await herald.stop();
  });
  const port = Number(new URL(herald.url).port);

  // 500 slow clients spread over 10 addresses (50 each, under the cap of 64), so every one is
  // accepted and only the deadlines can end it.
  for (let i = 0; i < 500; i++) {
    const kind = i % 2 === 0 ? 'headers' : 'body';
    const connection = Object.assign(openConnection(port, `127.0.0.${2 + (i % 10)}`), { kind } as const);
    slow.push(connection);
    if (kind === 'headers') {
      connection.socket.write('POST /api/v1/app HTTP/1.1\r\nHost: herald\r\n');
      let n = 0;
      timers.push(trickle(connection.socket, () => `X-Slow-${n++}: a\r\n`, 300));
    } else {
      connection.socket.write(`POST /api/v1/app HTTP/1.1\r\nHost: herald\r\nAuthorization: Bearer ${herald.token}\r\n`
        + 'Content-Type: application/json\r\nContent-Length: 10000\r\n\r\n{"name":"');
      timers.push(trickle(connection.socket, () => 'a', 300));
    }
  }

  // Normal traffic from another address meanwhile: every request answered.
  const statuses: number[] = [];
  for (let round = 0; round < 20; round++) {
    statuses.push(...await Promise.all(Array.from({ length: 10 }, () => normalCall(herald.url, herald.token))));
  }
  assert.deepEqual(statuses.filter((status) => status !== 200), [], 'all 200 normal requests succeeded beside the slow ones');

  // Node's defaults (60 s for headers; 30 s per request, checked every 30 s) would hold them past this wait.
  await eventually(() => (slow.every((connection) => connection.closedAfterMs !== undefined) ? true : undefined), 25_000,
    'every slow connection to be closed by the server');
  // Generous slack over the deadlines (2 s, 4 s): the server checks every 500 ms, and the server,
  // 500 sockets and the normal traffic share this one event loop on a loaded machine. Node's
  // defaults would be 60 s for headers and 30 to 60 s for a body, far beyond these bounds.
  const slack = 8_000;
  for (const connection of slow) {
    const bound = (connection.kind === 'headers' ? 2_000 : 4_000) + slack;
    assert.ok(connection.closedAfterMs! <= bound, `a slow-${connection.kind} connection lasted ${Math.round(connection.closedAfterMs!)} ms, over ${bound} ms`);
  }
  assert.ok(slow.filter((c) => c.kind === 'body').every((c) => c.answer.startsWith('HTTP/1.1 408')), 'a stalled body is answered 408');
});

test('connections beyond the per-address cap are closed at once, and other addresses are not affected', async () => {
  const herald = await startTestHerald({ HERALD_HEADERS_TIMEOUT: '60s', HERALD_REQUEST_TIMEOUT: '60s', HERALD_MAX_CONNECTIONS_PER_CLIENT: '20' });
  const connections: Array<ReturnType<typeof openConnection>> = [];
  after(async () => {
    for (const connection of connections) connection.socket.destroy();
    await herald.stop();
  });
  const port = Number(new URL(herald.url).port);
  for (let i = 0; i < 30; i++) connections.push(openConnection(port, '127.0.0.42'));
  await eventually(() => (connections.filter((c) => c.closedAfterMs !== undefined).length >= 10 ? true : undefined), 10_000,
    'the 10 connections over the cap to be closed');
  assert.equal(connections.filter((c) => c.closedAfterMs === undefined).length, 20, 'the 20 under the cap stay open');
  assert.equal(await normalCall(herald.url, herald.token), 200, 'another address is served');
  // A closed connection frees its place under the cap.
  // A closed connection frees its place under the cap (once the server has seen it close).
  connections.find((c) => c.closedAfterMs === undefined)!.socket.destroy();
  const answer = await eventually(async () => {
    const another = openConnection(port, '127.0.0.42');
    connections.push(another);
    another.socket.write(`GET /api/v1/app HTTP/1.1\r\nHost: herald\r\nAuthorization: Bearer ${herald.token}\r\nConnection: close\r\n\r\n`);
    await new Promise((resolve) => another.socket.once('close', resolve));
    return another.answer !== '' ? another.answer : undefined;
  }, 10_000, 'a new connection from the capped address to be served');
  assert.match(answer, /^HTTP\/1\.1 200/);
});
