import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_JSON_DEPTH, decodeJsonText, topLevelValues } from '../src/json-body.ts';

const spaces = fc.constantFrom('', ' ', '\n', '\t', ' \r\n  ');
const formatted = (value: unknown, indent: string) => JSON.stringify(value, null, indent);

test('each top-level value is returned exactly as written, whatever the formatting around and inside it', () => {
  fc.assert(fc.property(
    fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 1, maxKeys: 5, noNullPrototype: true }), fc.constantFrom('', ' ', '\t', '  '), spaces, spaces,
    (object, indent, before, after) => {
      const raws = Object.entries(object).map(([key, value]) => [key, formatted(value, indent)] as const);
      const text = `${before}{${raws.map(([key, raw]) => `${before}${JSON.stringify(key)}${after}:${before}${raw}${after}`).join(',')}}${after}`;
      assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(object)), 'the test built valid JSON');
      const values = topLevelValues(text);
      // With a key repeated, JSON.parse keeps the last one; so does topLevelValues.
      assert.deepEqual(values, new Map(raws));
    },
  ), { numRuns: 300 });
});

test('numbers beyond double precision, escapes and odd keys come back untouched', () => {
  const payload = '{ "big" : 12345678901234567890, "e":1.0e+2, "s":"\\u00e9\\ud83d\\ude00\\"}", "__proto__": {"x": [1,2]} }';
  const text = `{"pay\\u006coad":1,"eventType":"a.b","payload":${payload},"n":[[{}]]}`;
  const values = topLevelValues(text);
  assert.equal(values.get('payload'), payload, 'the last "payload" wins, as in JSON.parse');
  assert.equal(values.get('eventType'), '"a.b"');
  assert.equal(values.get('n'), '[[{}]]');
});

test('a root that is not an object has no top-level values, and nothing deeper than the limit is scanned', () => {
  assert.deepEqual(topLevelValues('[1, "k", 2, {"a": 1}]'), new Map());
  assert.deepEqual(topLevelValues('"text"'), new Map());
  assert.doesNotThrow(() => topLevelValues('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)));
  for (const deep of ['['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1), `{"p":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`]) {
    assert.throws(() => topLevelValues(deep), (error: Error & { status?: number }) => error.status === 400 && /deeper than 1000/.test(error.message));
  }
});

test('a body that is not UTF-8 is refused rather than decoded lossily', () => {
  assert.equal(decodeJsonText(Buffer.from('{"a":"é"}')), '{"a":"é"}');
  for (const bytes of [[0x7b, 0xff, 0x7d], [0x22, 0xc3, 0x22], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]) {
    assert.throws(() => decodeJsonText(Buffer.from(bytes)), (error: Error & { status?: number }) => error.status === 400);
  }
});
