// A loopback webhook receiver in its own process, so that it does not share a core's event loop
// with Herald or the load generator. It answers 200 at once and remembers when each (webhook-id, path)
// first arrived; the parent asks for counts and arrival times over IPC.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const firstArrival = new Map<string, number>();
let received = 0;

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    received++;
    const id = request.headers['webhook-id'];
    const key = `${id} ${request.url}`;
    if (typeof id === 'string' && !firstArrival.has(key)) firstArrival.set(key, performance.timeOrigin + performance.now());
    response.writeHead(200, { 'content-length': '2' }).end('ok');
  });
});
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  process.send!({ type: 'ready', port: (server.address() as AddressInfo).port });
});

process.on('message', (message: { type: string }) => {
  if (message.type === 'count') process.send!({ type: 'count', received });
  if (message.type === 'arrivals') process.send!({ type: 'arrivals', arrivals: [...firstArrival] });
  if (message.type === 'reset') {
    received = 0;
    firstArrival.clear();
    process.send!({ type: 'reset' });
  }
  if (message.type === 'stop') server.close(() => process.exit(0));
});
