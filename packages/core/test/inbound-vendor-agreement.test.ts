/**
 * Herald never accepts what the provider's own verifier rejects: signed requests whose signature
 * header or body fast-check has mangled (a character replaced, inserted or deleted) are given to
 * verifyInbound and to the vendor's verifier; whenever Herald says ok, the vendor must too. (Herald
 * may refuse more: it also rejects timestamps from the future and non-digit timestamps.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sign as githubSign, verify as githubVerify } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import twilio from 'twilio';
import { Webhook } from 'standardwebhooks';
import { verifyInbound } from '@herald/core';

type Edit = { kind: 'replace' | 'insert' | 'delete'; at: number; char: string };

const edit = fc.record({
  kind: fc.constantFrom('replace' as const, 'insert' as const, 'delete' as const),
  at: fc.nat(),
  char: fc.constantFrom(',', '=', ' ', ';', 'v', '1', 't', 'a', 'F', '0', '+', '/', 'x'),
});

function edited(text: string, { kind, at, char }: Edit): string {
  const index = text.length === 0 ? 0 : at % text.length;
  if (kind === 'insert') return text.slice(0, index) + char + text.slice(index);
  if (kind === 'delete') return text.slice(0, index) + text.slice(index + 1);
  return text.slice(0, index) + char + text.slice(index + 1);
}

/** Header values as HTTP delivers them: Node strips the whitespace around a field value, for Herald and for a vendor's handler alike. */
function apply(text: string, change: Edit): string {
  return edited(text, change).trim();
}

const bodies = fc.string({ maxLength: 120 }).map((value) => JSON.stringify({ id: 'evt_1', object: 'event', value }));
const target = fc.constantFrom('header' as const, 'body' as const);
const RUNS = { numRuns: Number(process.env.INBOUND_AGREEMENT_RUNS ?? 1000) };

test('github: whatever Herald accepts, @octokit/webhooks-methods accepts', async () => {
  await fc.assert(
    fc.asyncProperty(bodies, fc.array(edit, { minLength: 1, maxLength: 3 }), target, async (body, edits, where) => {
      const secret = 'gh-secret';
      let signature = await githubSign(secret, body);
      let sent = body;
      for (const change of edits) where === 'header' ? (signature = apply(signature, change)) : (sent = edited(sent, change));
      const herald = verifyInbound('github', { secret }, { method: 'POST', url: 'https://h.example/in/t', headers: { 'x-hub-signature-256': signature }, body: Buffer.from(sent) }, 0);
      if (herald.ok) assert.equal(await githubVerify(secret, sent, signature), true, `${signature} ${sent}`);
    }),
    RUNS,
  );
});

test('stripe: whatever Herald accepts, stripe.webhooks.signature.verifyHeader accepts', () => {
  const t = 1_700_000_000;
  fc.assert(
    fc.property(bodies, fc.array(edit, { minLength: 1, maxLength: 3 }), target, (body, edits, where) => {
      const secret = 'whsec_stripe_test';
      let header = Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: t });
      let sent = body;
      for (const change of edits) where === 'header' ? (header = apply(header, change)) : (sent = edited(sent, change));
      const herald = verifyInbound('stripe', { secret }, { method: 'POST', url: 'https://h.example/in/t', headers: { 'stripe-signature': header }, body: Buffer.from(sent) }, t * 1000);
      if (herald.ok) assert.doesNotThrow(() => Stripe.webhooks.signature!.verifyHeader(sent, header, secret, 300, undefined, t * 1000), `${header} ${sent}`);
    }),
    RUNS,
  );
});

test('svix-config types: whatever Herald accepts, the standardwebhooks library accepts', () => {
  fc.assert(
    fc.property(bodies, fc.array(edit, { minLength: 1, maxLength: 3 }), fc.constantFrom('header' as const, 'body' as const, 'id' as const), (body, edits, where) => {
      const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
      // The standardwebhooks library reads the machine's clock; signing "now" keeps both inside 300 s.
      const seconds = Math.floor(Date.now() / 1000);
      let id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
      let signature = new Webhook(secret).sign(id, new Date(seconds * 1000), body);
      let sent = body;
      for (const change of edits) {
        if (where === 'header') signature = apply(signature, change);
        else if (where === 'id') id = apply(id, change);
        else sent = edited(sent, change);
      }
      const headers = { 'webhook-id': id, 'webhook-timestamp': String(seconds), 'webhook-signature': signature };
      const herald = verifyInbound('svix', { secret }, { method: 'POST', url: 'https://h.example/in/t', headers, body: Buffer.from(sent) }, seconds * 1000);
      if (herald.ok) assert.doesNotThrow(() => new Webhook(secret).verify(sent, headers, { jsonParse: false }), `${JSON.stringify(headers)} ${sent}`);
    }),
    RUNS,
  );
});

test('twilio: whatever Herald accepts, twilio.validateRequest accepts', () => {
  const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), fc.constantFrom('header' as const, 'url' as const, 'body' as const), (edits, where) => {
      let url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
      let signature = twilio.getExpectedTwilioSignature('12345', url, params);
      let body = new URLSearchParams(params).toString();
      for (const change of edits) {
        if (where === 'header') signature = apply(signature, change);
        else if (where === 'url') url = edited(url, change);
        else body = edited(body, change);
      }
      const herald = verifyInbound('twilio', { secret: '12345' }, { method: 'POST', url, headers: { 'x-twilio-signature': signature }, body: Buffer.from(body) }, 0);
      if (!herald.ok) return;
      const sentParams: Record<string, string | string[]> = {};
      for (const [name, value] of new URLSearchParams(body)) {
        const prior = sentParams[name];
        sentParams[name] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
      }
      assert.equal(twilio.validateRequest('12345', signature, url, sentParams), true, `${signature} ${url} ${body}`);
    }),
    RUNS,
  );
});
