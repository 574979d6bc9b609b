import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brokerSchemeOf, checkBrokerUrl, parseBrokerTargets } from '../src/transports/broker-targets.ts';

test('HERALD_BROKER_TARGETS: scheme://host[:port] entries, default ports filled in, anything more refused', () => {
  assert.deepEqual(parseBrokerTargets(' amqp://Rabbit.internal , redis://10.0.0.5:6380,nats://nats.internal,mqtt://m.internal,amqps://r.internal,mqtts://m.internal '), {
    ok: true,
    targets: ['amqp://rabbit.internal:5672', 'redis://10.0.0.5:6380', 'nats://nats.internal:4222', 'mqtt://m.internal:1883', 'amqps://r.internal:5671', 'mqtts://m.internal:8883'],
  });
  assert.deepEqual(parseBrokerTargets(''), { ok: true, targets: [] });
  for (const bad of ['http://rabbit:5672', 'amqp://guest:guest@rabbit:5672', 'amqp://rabbit:5672/vhost', 'redis://r:6379?stream=x', 'rabbit:5672', 'kafka://k:9092']) {
    assert.deepEqual(parseBrokerTargets(`amqp://ok.internal,${bad}`), { ok: false, bad }, bad);
  }
});

test('a broker URL must name a listed broker (scheme, host and port) and its destination', () => {
  const parsed = parseBrokerTargets('amqp://rabbit.internal,redis://127.0.0.1:6379,nats://127.0.0.1:4222,mqtt://127.0.0.1');
  assert.equal(parsed.ok, true);
  const targets = (parsed as { targets: string[] }).targets;
  const allowed = [
    'amqp://guest:guest@rabbit.internal/vhost?exchange=orders&routingKey=paid',
    'amqp://RABBIT.internal:5672?exchange=',
    'redis://127.0.0.1:6379/2?stream=orders&maxlen=1000',
    'nats://127.0.0.1?subject=orders.paid',
    'mqtt://127.0.0.1:1883?topic=devices/7/events',
  ];
  for (const url of allowed) assert.equal(checkBrokerUrl(url, targets).ok, true, url);
  const refused: Array<[string, RegExp]> = [
    ['amqp://rabbit.internal:5673?exchange=x', /HERALD_BROKER_TARGETS/],
    ['amqps://rabbit.internal?exchange=x', /HERALD_BROKER_TARGETS/], // amqps is another target than amqp
    ['redis://127.0.0.2:6379?stream=x', /HERALD_BROKER_TARGETS/],
    ['amqp://rabbit.internal', /exchange=/],
    ['redis://127.0.0.1:6379', /stream=/],
    ['redis://127.0.0.1:6379?stream=x&maxlen=0', /maxlen/],
    ['redis://127.0.0.1:6379?stream=x&maxlen=ten', /maxlen/],
    ['nats://127.0.0.1:4222', /subject=/],
    ['mqtt://127.0.0.1?topic=devices/%2B/events', /wildcards/],
    ['mqtt://127.0.0.1', /topic=/],
  ];
  for (const [url, reason] of refused) {
    const verdict = checkBrokerUrl(url, targets);
    assert.equal(verdict.ok, false, url);
    assert.match((verdict as { reason: string }).reason, reason, url);
  }
  assert.equal(checkBrokerUrl('amqp://rabbit.internal?exchange=x', undefined).ok, false, 'no list, no broker');
});

test('only the broker schemes leave HTTP', () => {
  assert.deepEqual(['amqp://h', 'AMQPS://h', 'redis://h', 'nats://h', 'mqtt://h', 'mqtts://h', 'https://h', 'rediss://h', 'ws://h', 'amqp'].map(brokerSchemeOf),
    ['amqp', 'amqps', 'redis', 'nats', 'mqtt', 'mqtts', undefined, undefined, undefined, undefined]);
});
