import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';
import { senderOptions } from '../src/api-wiring.ts';

test('HERALD_BROKER_TARGETS: none by default; listed brokers reach the sender; a bad entry stops the start naming the variable', () => {
  assert.deepEqual(loadConfig({}).brokerTargets, []);
  const config = loadConfig({ HERALD_BROKER_TARGETS: 'amqp://rabbit.internal, redis://10.1.2.3:6380' });
  assert.deepEqual(config.brokerTargets, ['amqp://rabbit.internal:5672', 'redis://10.1.2.3:6380']);
  assert.deepEqual(senderOptions(config, undefined).brokerTargets, config.brokerTargets);
  for (const bad of ['http://rabbit.internal', 'amqp://guest:guest@rabbit.internal', 'amqp://rabbit.internal/vhost']) {
    assert.throws(() => loadConfig({ HERALD_BROKER_TARGETS: bad }),
      (error: unknown) => error instanceof ConfigError && error.message.includes('HERALD_BROKER_TARGETS') && error.message.includes(bad), bad);
  }
});
