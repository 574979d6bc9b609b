import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OriginBudget } from '../src/origin-budget.ts';

test('an origin holding its share has all its endpoints skipped until one of its deliveries is given back', () => {
  const budget = new OriginBudget(2);
  budget.take('ep_a', 'https://slow.example.com/a');
  budget.take('ep_healthy', 'https://fast.example.com/');
  assert.deepEqual(budget.saturatedEndpoints(), []);
  budget.take('ep_b', 'https://slow.example.com:443/b?x=1'); // the same origin, another endpoint
  assert.deepEqual(budget.saturatedEndpoints().sort(), ['ep_a', 'ep_b']);
  budget.give('https://slow.example.com/a');
  assert.deepEqual(budget.saturatedEndpoints(), []);
  budget.give('https://slow.example.com:443/b?x=1');
  budget.give('https://fast.example.com/');
  budget.take('ep_c', 'https://slow.example.com/c');
  budget.take('ep_c', 'https://slow.example.com/c');
  assert.deepEqual(budget.saturatedEndpoints(), ['ep_c'], 'an origin whose deliveries all finished starts afresh');
});

test('an unparsable URL is its own origin', () => {
  const budget = new OriginBudget(1);
  budget.take('ep_bad', 'not a url');
  assert.deepEqual(budget.saturatedEndpoints(), ['ep_bad']);
  budget.give('not a url');
  assert.deepEqual(budget.saturatedEndpoints(), []);
});

test('each broker is its own origin (a broker URL\'s WHATWG origin is the shared, opaque "null")', () => {
  const budget = new OriginBudget(1);
  budget.take('ep_rabbit', 'amqp://guest:guest@rabbit.internal:5672/?exchange=a');
  budget.take('ep_redis', 'redis://redis.internal:6379/?stream=s');
  assert.deepEqual(budget.saturatedEndpoints().sort(), ['ep_rabbit', 'ep_redis']);
  budget.give('redis://redis.internal:6379/?stream=s');
  assert.deepEqual(budget.saturatedEndpoints(), ['ep_rabbit'], 'the other broker\'s share is its own');
});
