import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config.ts';

test('slow-client deadlines and the per-address connection cap have explicit defaults', () => {
  const config = loadConfig({});
  assert.equal(config.headersTimeoutMs, 10_000);
  assert.equal(config.requestTimeoutMs, 30_000);
  assert.equal(config.keepAliveTimeoutMs, 72_000);
  assert.equal(config.maxConnectionsPerClient, 256);
});

test('slow-client settings out of bounds are refused at start with the variable named', () => {
  for (const [env, named] of [
    [{ HERALD_HEADERS_TIMEOUT: '0s' }, 'HERALD_HEADERS_TIMEOUT'],
    [{ HERALD_REQUEST_TIMEOUT: '5h' }, 'HERALD_REQUEST_TIMEOUT'],
    [{ HERALD_KEEP_ALIVE_TIMEOUT: 'soon' }, 'HERALD_KEEP_ALIVE_TIMEOUT'],
    [{ HERALD_HEADERS_TIMEOUT: '40s', HERALD_REQUEST_TIMEOUT: '30s' }, 'must not be longer than HERALD_REQUEST_TIMEOUT'],
    [{ HERALD_MAX_CONNECTIONS_PER_CLIENT: '-1' }, 'HERALD_MAX_CONNECTIONS_PER_CLIENT'],
    [{ HERALD_RELAY_HOST: 'http://api-1' }, 'HERALD_RELAY_HOST'],
  ] as const) {
    assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && error.message.includes(named), JSON.stringify(env));
  }
  assert.equal(loadConfig({ HERALD_MAX_CONNECTIONS_PER_CLIENT: '0' }).maxConnectionsPerClient, 0, '0 turns the cap off');
});

test('HERALD_RELAY_HOST takes an address or a host name', () => {
  assert.equal(loadConfig({ HERALD_RELAY_HOST: '10.0.0.5' }).relayHost, '10.0.0.5');
  assert.equal(loadConfig({ HERALD_RELAY_HOST: 'api-1.internal' }).relayHost, 'api-1.internal');
  assert.equal(loadConfig({}).relayHost, undefined);
});
