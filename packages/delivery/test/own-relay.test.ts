import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpSender, type SendResult } from '../src/http-sender.ts';
import { ownRelayTarget, setOwnRelayPort } from '../src/own-relay.ts';

const servers: Server[] = [];
const senders: HttpSender[] = [];
after(async () => {
  await Promise.all(senders.map((sender) => sender.close()));
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

async function loopbackServer(): Promise<{ port: number; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((request, response) => {
    paths.push(request.url ?? '');
    response.end('relayed');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, paths };
}

const post = (url: string) => ({ url, headers: {}, body: '{}' });
const kindOf = (result: SendResult) => (result.kind === 'error' ? result.reason : result.kind === 'response' ? result.status : result.kind);

test("without private targets, only Herald's own relay route on its own address and port is reachable on loopback", async () => {
  const herald = await loopbackServer();
  const other = await loopbackServer();
  const relay = ownRelayTarget('127.0.0.1');
  const sender = new HttpSender({ allowPrivateTargets: false, deadlineMs: 2_000, ownRelay: relay });
  senders.push(sender);

  assert.equal(kindOf(await sender.send(post(`http://127.0.0.1:${herald.port}/relay/session`))), 'blocked-address', 'nothing is exempt before Herald listens');
  setOwnRelayPort(relay, herald.port);

  assert.equal(kindOf(await sender.send(post(`http://127.0.0.1:${herald.port}/relay/session`))), 200);
  for (const url of [
    `http://127.0.0.1:${herald.port}/api/v1/app`, // Herald, but not the relay route
    `http://127.0.0.1:${herald.port}/relayx/session`,
    `http://127.0.0.1:${other.port}/relay/session`, // the relay path on another port
    `http://[::ffff:127.0.0.1]:${herald.port}/relay/session`, // another spelling of the address
    `http://127.0.0.2:${herald.port}/relay/session`,
  ]) {
    assert.equal(kindOf(await sender.send(post(url))), 'blocked-address', url);
  }
  assert.deepEqual(herald.paths, ['/relay/session']);
  assert.deepEqual(other.paths, []);
});

test('without an own relay target, the relay path is refused like any loopback URL', async () => {
  const herald = await loopbackServer();
  const sender = new HttpSender({ allowPrivateTargets: false, deadlineMs: 2_000 });
  senders.push(sender);
  assert.equal(kindOf(await sender.send(post(`http://127.0.0.1:${herald.port}/relay/session`))), 'blocked-address');
  assert.deepEqual(herald.paths, []);
});

test('a relay origin registered by another API process is reachable on its relay path only, and only while registered', async () => {
  const apiProcess = await loopbackServer();
  const registered = new Set<string>();
  const sender = new HttpSender({ allowPrivateTargets: false, deadlineMs: 2_000, ownRelay: { ...ownRelayTarget('127.0.0.1'), registeredOrigins: registered } });
  senders.push(sender);
  const relayUrl = `http://127.0.0.1:${apiProcess.port}/relay/session`;

  assert.equal(kindOf(await sender.send(post(relayUrl))), 'blocked-address', 'unknown origin: refused');
  registered.add(`http://127.0.0.1:${apiProcess.port}`);
  assert.equal(kindOf(await sender.send(post(relayUrl))), 200);
  assert.equal(kindOf(await sender.send(post(`http://127.0.0.1:${apiProcess.port}/admin`))), 'blocked-address', 'another path of that origin: refused');
  registered.clear();
  assert.equal(kindOf(await sender.send(post(relayUrl))), 'blocked-address', 'no longer registered: refused');
  assert.deepEqual(apiProcess.paths, ['/relay/session']);
});
