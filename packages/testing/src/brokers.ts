import { connect } from 'node:net';
import { test } from 'node:test';

/**
 * Whether a local broker answers on host:port. When it does not, the calling file's tests are
 * skipped with the reason, except under CI=true, where that is a failure (`.ci/run` starts the
 * brokers, so an unreachable one there is a broken run, not a missing extra).
 */
export async function brokerAvailable(name: string, host: string, port: number): Promise<boolean> {
  const error = await new Promise<Error | undefined>((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(3_000, () => socket.destroy(new Error('connect timed out')));
    socket.once('connect', () => {
      // destroy, not end: a broker waits for its handshake (RabbitMQ for 10 s) before closing a half-closed socket.
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', resolve);
  });
  if (!error) return true;
  if (process.env.CI === 'true') throw new Error(`${name} at ${host}:${port} is unreachable, and CI=true: ${String(error)}`);
  test(`${name} tests need a broker at ${host}:${port}`, { skip: String(error) }, () => undefined);
  return false;
}

export interface TcpProxy {
  port: number;
  /** Cuts every connection through the proxy and refuses new ones for `ms`: a broker restart as its clients see it. */
  interrupt(ms: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A loopback TCP proxy in front of a real broker, so a test can restart "the broker" for Herald
 * without touching the shared broker other tests use.
 */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const { createServer } = await import('node:net');
  const sockets = new Set<import('node:net').Socket>();
  let down = false;
  const server = createServer((client) => {
    if (down) return client.destroy();
    const upstream = connect({ host: targetHost, port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as import('node:net').AddressInfo).port;
  return {
    port,
    async interrupt(ms) {
      down = true;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await new Promise((resolve) => setTimeout(resolve, ms));
      down = false;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}
