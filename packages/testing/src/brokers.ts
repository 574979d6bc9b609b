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
      socket.end();
      resolve(undefined);
    });
    socket.once('error', resolve);
  });
  if (!error) return true;
  if (process.env.CI === 'true') throw new Error(`${name} at ${host}:${port} is unreachable, and CI=true: ${String(error)}`);
  test(`${name} tests need a broker at ${host}:${port}`, { skip: String(error) }, () => undefined);
  return false;
}
