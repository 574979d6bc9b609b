import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { anySecret, anySignature, sameSecret, sameSignature } from '../src/inbound/constant-time.ts';

test('comparisons are plain equality whatever the lengths, and never throw', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }), (a, b) => {
      assert.equal(sameSecret(a, b), a === b);
      assert.equal(sameSignature(a, b), a === b);
      assert.equal(sameSecret(a, a), true);
      assert.equal(sameSignature(a, Buffer.from(a)), true);
    }),
    { numRuns: 500 },
  );
});

test('any match among several counts, whichever position it holds', () => {
  assert.equal(anySignature(['x', 'y', 'z'], ['q', 'z']), true);
  assert.equal(anySignature(['x'], []), false);
  assert.equal(anySignature([], ['x']), false);
  assert.equal(anySecret(['old', 'new'], ['new']), true);
  assert.equal(anySecret(['other'], ['new', 'old']), false);
});
