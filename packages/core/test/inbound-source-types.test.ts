import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { SOURCE_TYPES, SVIX_CONFIG_TYPES, publicSourceConfig, validateSourceConfig } from '@herald/core';
import { SCHEMES } from './inbound-signers.ts';

/** The svix SDK's IngestSourceIn, read from its type declarations: the list Herald must follow. */
function sdkSourceTypes(): Array<{ type: string; config: string }> {
  const sdkEntry = createRequire(import.meta.url).resolve('svix');
  const declarations = readFileSync(join(dirname(sdkEntry), 'models', 'ingestSourceIn.d.ts'), 'utf8');
  const found = [...declarations.matchAll(/type: "([^"]+)";\s*config\??: (\w+);/g)].map((match) => ({ type: match[1]!, config: match[2]! }));
  assert.ok(found.length > 20, 'the SDK declarations were read');
  return found;
}

test('SVIX_CONFIG_TYPES is exactly the SDK types whose config is SvixConfig', () => {
  const fromSdk = sdkSourceTypes()
    .filter((entry) => entry.config === 'SvixConfig')
    .map((entry) => entry.type)
    .sort();
  assert.deepEqual([...SVIX_CONFIG_TYPES].sort(), fromSdk);
});

test("the SDK's github, stripe, shopify, slack and generic-webhook types are served; the SDK types Herald cannot verify are refused, not accepted unverified", () => {
  const sdk = sdkSourceTypes().map((entry) => entry.type);
  for (const type of ['generic-webhook', 'github', 'stripe', 'shopify', 'slack']) assert.ok(sdk.includes(type) && SOURCE_TYPES.includes(type as never), type);
  for (const type of sdk.filter((name) => !SOURCE_TYPES.includes(name as never))) {
    const result = validateSourceConfig(type, { secret: 'whatever' });
    assert.equal(result.ok, false, type);
    if (!result.ok) assert.deepEqual(result.problems[0]!.loc, ['type']);
  }
});

test('configs as the svix SDK sends them are accepted', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  assert.deepEqual(validateSourceConfig('generic-webhook', undefined), { ok: true, config: {} });
  assert.deepEqual(validateSourceConfig('generic-webhook', {}), { ok: true, config: {} });
  assert.deepEqual(validateSourceConfig('github', {}), { ok: true, config: { secret: null } });
  assert.deepEqual(validateSourceConfig('github', { secret: null }), { ok: true, config: { secret: null } });
  for (const type of ['stripe', 'shopify', 'slack', 'github']) assert.deepEqual(validateSourceConfig(type, { secret: 'shh' }), { ok: true, config: { secret: 'shh' } }, type);
  for (const type of SVIX_CONFIG_TYPES) assert.deepEqual(validateSourceConfig(type, { secret }), { ok: true, config: { secret } }, type);
});

test('every signer configuration of the verification tests validates unchanged', () => {
  for (const scheme of SCHEMES) {
    const config = scheme.config(scheme.newSecret(), scheme.newSecret());
    const result = validateSourceConfig(scheme.type, config);
    assert.equal(result.ok, true, `${scheme.name}: ${JSON.stringify(result)}`);
    if (result.ok) for (const [key, value] of Object.entries(config)) assert.deepEqual((result.config as Record<string, unknown>)[key], value, `${scheme.name}.${key}`);
  }
});

test('problems name the field, in Svix shape, all at once', () => {
  assert.deepEqual(validateSourceConfig('stripe', {}), { ok: false, problems: [{ loc: ['config', 'secret'], msg: 'field required' }] });
  assert.deepEqual(validateSourceConfig('stripe', { secret: 's', previousSecert: 'p' }), {
    ok: false,
    problems: [{ loc: ['config', 'previousSecert'], msg: 'unknown field' }],
  });
  assert.deepEqual(validateSourceConfig('shopify', 'secret'), { ok: false, problems: [{ loc: ['config'], msg: 'must be an object' }] });
  const hmac = validateSourceConfig('hmac', { secret: 1, header: 'bad header', algorithm: 'md5', encoding: 'base32' });
  assert.equal(hmac.ok, false);
  if (!hmac.ok) assert.deepEqual(hmac.problems.map((p) => p.loc.join('.')).sort(), ['config.algorithm', 'config.encoding', 'config.header', 'config.secret']);
});

test('a Standard Webhooks secret must be whsec_ base64 of 16 bytes or more; a bare base64 secret gets the prefix', () => {
  assert.equal(validateSourceConfig('svix', { secret: 'whsec_short' }).ok, false);
  assert.equal(validateSourceConfig('clerk', { secret: 'whsec_not base64 at all!!' }).ok, false);
  assert.equal(validateSourceConfig('svix', { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', previousSecret: 'nope' }).ok, false);
  assert.deepEqual(validateSourceConfig('resend', { secret: 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }), { ok: true, config: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } });
});

test('hmac: header names are lower-cased, defaults filled in, and unsafe templates refused', () => {
  assert.deepEqual(validateSourceConfig('hmac', { secret: 's', header: 'X-Signature' }), {
    ok: true,
    config: { secret: 's', header: 'x-signature', algorithm: 'sha256', encoding: 'hex', prefix: null, signedString: null, timestampHeader: null, toleranceSeconds: null },
  });
  const withTimestamp = validateSourceConfig('hmac', { secret: 's', header: 'x-sig', signedString: '{timestamp}.{body}', timestampHeader: 'X-Timestamp' });
  assert.ok(withTimestamp.ok && (withTimestamp.config as { toleranceSeconds: number }).toleranceSeconds === 300);
  const problems = (config: Record<string, unknown>) => {
    const result = validateSourceConfig('hmac', { secret: 's', header: 'x-sig', ...config });
    return result.ok ? [] : result.problems.map((p) => p.loc.join('.'));
  };
  assert.deepEqual(problems({ signedString: '{timestamp}' }), ['config.signedString', 'config.timestampHeader']);
  assert.deepEqual(problems({ toleranceSeconds: 60 }), ['config.toleranceSeconds']);
  assert.deepEqual(problems({ timestampHeader: 'x-ts', toleranceSeconds: 0 }), ['config.toleranceSeconds']);
  assert.deepEqual(problems({ timestampHeader: 'x-ts', toleranceSeconds: 1.5 }), ['config.toleranceSeconds']);
});

test('basic-auth and api-key: a user name with ":" is refused; an api-key without a place reads x-api-key', () => {
  assert.equal(validateSourceConfig('basic-auth', { username: 'a:b', password: 'p' }).ok, false);
  assert.deepEqual(validateSourceConfig('api-key', { key: 'k' }), { ok: true, config: { key: 'k', header: 'x-api-key', query: null } });
  assert.deepEqual(validateSourceConfig('api-key', { key: 'k', query: 'token' }), { ok: true, config: { key: 'k', header: null, query: 'token' } });
  assert.deepEqual(validateSourceConfig('api-key', { key: 'k', header: 'Authorization' }), { ok: true, config: { key: 'k', header: 'authorization', query: null } });
});

test('github: a previous secret without a current one is refused', () => {
  assert.equal(validateSourceConfig('github', { previousSecret: 'old' }).ok, false);
});

test('the public view of a config holds no secret, password or key', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...SCHEMES), async (scheme) => {
      const current = scheme.newSecret();
      const previous = scheme.newSecret();
      const result = validateSourceConfig(scheme.type, scheme.config(current, previous));
      assert.ok(result.ok);
      const shown = JSON.stringify(publicSourceConfig(scheme.type, result.config));
      for (const secret of [current, previous, current.replace('whsec_', '')]) assert.ok(!shown.includes(secret), `${scheme.name}: ${shown}`);
    }),
    { numRuns: 60 },
  );
  assert.deepEqual(publicSourceConfig('stripe', { secret: 's' }), {}, "Svix's StripeConfigOut is {}");
  assert.deepEqual(publicSourceConfig('api-key', { key: 'k', header: 'x-api-key' }), { header: 'x-api-key', query: null });
});
