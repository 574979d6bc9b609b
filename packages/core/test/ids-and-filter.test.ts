import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hasPrefix, isSubscribed, newId } from '@herald/core';

test('ids carry their prefix and a 27-character KSUID', () => {
  for (const prefix of ['app', 'ep', 'msg', 'atmpt'] as const) {
    const id = newId(prefix);
    assert.match(id, new RegExp(`^${prefix}_[0-9A-Za-z]{27}$`));
    assert.ok(hasPrefix(id, prefix));
  }
});

test('ids made one after another sort in creation order, within a second and across seconds', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 2, maxLength: 200 }), (steps) => {
    let now = 1_700_000_000_000;
    const ids = steps.map((step) => newId('msg', (now += step)));
    assert.deepEqual([...ids].sort(), ids);
  }));
});

test('subscriptions: no filter takes everything; types and channels narrow it; disabled takes nothing', () => {
  const open = { disabled: false, eventTypes: null, channels: null };
  assert.ok(isSubscribed(open, 'a.b', null));
  assert.ok(isSubscribed({ ...open, eventTypes: [] }, 'a.b', ['x']));
  assert.ok(isSubscribed({ ...open, eventTypes: ['a.b'] }, 'a.b', null));
  assert.ok(!isSubscribed({ ...open, eventTypes: ['a.c'] }, 'a.b', null));
  assert.ok(isSubscribed({ ...open, channels: ['eu', 'us'] }, 'a.b', ['us']));
  assert.ok(!isSubscribed({ ...open, channels: ['eu'] }, 'a.b', ['us']));
  assert.ok(!isSubscribed({ ...open, channels: ['eu'] }, 'a.b', null));
  assert.ok(!isSubscribed({ ...open, disabled: true }, 'a.b', null));
});

test('the KSUID encoding matches the KSUID reference example and a BigInt base62 for any 20 bytes', async () => {
  const { base62 } = await import('../src/ids.ts');
  const example = Buffer.concat([Buffer.from([0x06, 0x69, 0xf7, 0xef]), Buffer.from('B5A1CD34B5F99D1154FB6853345C9735', 'hex')]);
  assert.equal(base62(example), '0ujtsYcgvSTl8PAuAdqWYSMnLOv');
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  fc.assert(fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (bytes) => {
    let value = BigInt('0x' + Buffer.from(bytes).toString('hex'));
    let expected = '';
    while (value > 0n) {
      expected = alphabet[Number(value % 62n)] + expected;
      value /= 62n;
    }
    assert.equal(base62(Buffer.from(bytes)), expected.padStart(27, '0'));
  }));
});

test('adding one to base62 digits spells the next number, carries included', async () => {
  const { base62, incrementBase62 } = await import('../src/ids.ts');
  const toBytes = (value: bigint) => Buffer.from(value.toString(16).padStart(40, '0'), 'hex');
  // Numbers ending in runs of the top digit, where the carry travels, are drawn on purpose.
  const numbers = fc.oneof(
    fc.bigInt({ min: 0n, max: 2n ** 159n }),
    fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 40n }), fc.integer({ min: 1, max: 20 })).map(([high, run]) => (high + 1n) * 62n ** BigInt(run) - 1n),
  );
  fc.assert(fc.property(numbers, (value) => {
    const digits = base62(toBytes(value)).split('');
    incrementBase62(digits);
    assert.equal(digits.join(''), base62(toBytes(value + 1n)));
  }));
});

test('ids made within one second are consecutive numbers', () => {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const decode = (id: string) => [...id.slice(4)].reduce((value, digit) => value * 62n + BigInt(alphabet.indexOf(digit)), 0n);
  const at = 1_700_000_000_500;
  const ids = Array.from({ length: 5_000 }, () => newId('msg', at));
  for (let i = 1; i < ids.length; i++) assert.equal(decode(ids[i]!) - decode(ids[i - 1]!), 1n);
});
