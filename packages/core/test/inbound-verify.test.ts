import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { verifyInbound, type RawInboundRequest, type VerifyResult } from '@herald/core';
import { SCHEMES, byteBodies, flipByte, tamperCredential, type Scheme } from './inbound-signers.ts';

// A fixed clock: every timestamp below is relative to it, never to the machine's time.
const T = 1_800_000_000;
const NOW = T * 1000;

function expectFailure(result: VerifyResult, reason: string, message: string): void {
  assert.equal(result.ok, false, message);
  if (!result.ok) assert.equal(result.reason, reason, `${message}: ${result.detail}`);
}

function tampered(scheme: Scheme, request: RawInboundRequest, at: number): RawInboundRequest {
  return scheme.bodyUnsigned ? tamperCredential(request) : { ...request, body: flipByte(request.body, at) };
}

for (const scheme of SCHEMES) {
  test(`${scheme.name}: a signed request passes and any changed byte fails`, async () => {
    await fc.assert(
      fc.asyncProperty(scheme.bodies ?? byteBodies, fc.nat(), async (body, at) => {
        const secret = scheme.newSecret();
        const request = await scheme.sign(secret, body, T);
        assert.deepEqual(verifyInbound(scheme.type, scheme.config(secret), request, NOW), { ok: true });
        expectFailure(verifyInbound(scheme.type, scheme.config(secret), tampered(scheme, request, at), NOW), scheme.failure, 'tampered');
      }),
      { numRuns: 40 },
    );
  });

  test(`${scheme.name}: a request signed with another secret fails`, async () => {
    const body = Buffer.from('{"id":"evt_1","type":"thing.happened"}');
    const request = await scheme.sign(scheme.newSecret(), body, T);
    expectFailure(verifyInbound(scheme.type, scheme.config(scheme.newSecret()), request, NOW), scheme.failure, 'wrong secret');
  });

  test(`${scheme.name}: during a rotation both the current and the previous secret pass, and a third fails`, async () => {
    const body = Buffer.from('{"id":"evt_2"}');
    const current = scheme.newSecret();
    const previous = scheme.newSecret();
    const config = scheme.config(current, previous);
    assert.deepEqual(verifyInbound(scheme.type, config, await scheme.sign(previous, body, T), NOW), { ok: true }, 'previous');
    assert.deepEqual(verifyInbound(scheme.type, config, await scheme.sign(current, body, T), NOW), { ok: true }, 'current');
    expectFailure(verifyInbound(scheme.type, config, await scheme.sign(scheme.newSecret(), body, T), NOW), scheme.failure, 'third');
  });

  test(`${scheme.name}: a request without its signature or credential fails`, async () => {
    const secret = scheme.newSecret();
    const request = await scheme.sign(secret, Buffer.from('{}'), T);
    const bare = { ...request, headers: { 'content-type': 'application/json' }, url: request.url.split('?')[0]! };
    const result = verifyInbound(scheme.type, scheme.config(secret), bare, NOW);
    assert.equal(result.ok, false);
    if (!result.ok) assert.ok(['missing_signature', 'unauthorized'].includes(result.reason), result.reason);
  });

  const tolerance = scheme.toleranceSeconds;
  if (tolerance !== undefined) {
    test(`${scheme.name}: a timestamp ${tolerance} s - 1 s old or ahead passes, ${tolerance} s + 1 s fails`, async () => {
      const secret = scheme.newSecret();
      const body = Buffer.from('{"id":"evt_3"}');
      const config = scheme.config(secret);
      for (const skew of [tolerance - 1, tolerance]) {
        assert.deepEqual(verifyInbound(scheme.type, config, await scheme.sign(secret, body, T - skew), NOW), { ok: true }, `${skew} s old`);
        assert.deepEqual(verifyInbound(scheme.type, config, await scheme.sign(secret, body, T + skew), NOW), { ok: true }, `${skew} s ahead`);
      }
      expectFailure(verifyInbound(scheme.type, config, await scheme.sign(secret, body, T - tolerance - 1), NOW), 'timestamp_out_of_tolerance', 'too old');
      expectFailure(verifyInbound(scheme.type, config, await scheme.sign(secret, body, T + tolerance + 1), NOW), 'timestamp_out_of_tolerance', 'too far ahead');
    });
  }
}

test('generic-webhook checks nothing: any request passes', () => {
  const request = { method: 'POST', url: 'https://hooks.example.com/in/x', headers: {}, body: Buffer.from('anything') };
  assert.deepEqual(verifyInbound('generic-webhook', {}, request, NOW), { ok: true });
});

test('a github source without a secret checks nothing, as GitHub then signs nothing', () => {
  const request = { method: 'POST', url: 'https://hooks.example.com/in/x', headers: {}, body: Buffer.from('{}') };
  assert.deepEqual(verifyInbound('github', { secret: null }, request, NOW), { ok: true });
  expectFailure(verifyInbound('github', { secret: 'set' }, request, NOW), 'missing_signature', 'with a secret');
});

test('a stored config that lost its secret fails closed rather than passing', async () => {
  for (const scheme of SCHEMES.filter((s) => s.type !== 'github')) {
    const request = await scheme.sign(scheme.newSecret(), Buffer.from('{}'), T);
    const result = verifyInbound(scheme.type, {} as never, request, NOW);
    assert.equal(result.ok, false, scheme.name);
  }
});
