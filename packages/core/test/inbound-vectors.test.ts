/**
 * The public test vectors of ../shared/reference/inbound.md §3 and the shared Standard Webhooks
 * vectors, through verifyInbound; and the details of each scheme that the table-driven tests in
 * inbound-verify.test.ts do not reach (several signatures in one header, Twilio's URL forms).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import Stripe from 'stripe';
import twilio from 'twilio';
import { Webhook } from 'standardwebhooks';
import { verifyInbound, type RawInboundRequest, type SourceConfig, type SourceType } from '@herald/core';

function req(headers: Record<string, string>, body: string | Buffer, url = 'https://hooks.example.com/in/tok'): RawInboundRequest {
  return { method: 'POST', url, headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

function passes(type: SourceType, config: SourceConfig, request: RawInboundRequest, now: number, message?: string): void {
  assert.deepEqual(verifyInbound(type, config, request, now), { ok: true }, message);
}

function fails(type: SourceType, config: SourceConfig, request: RawInboundRequest, now: number, reason: string, message?: string): void {
  const result = verifyInbound(type, config, request, now);
  assert.equal(result.ok ? 'ok' : result.reason, reason, message);
}

test("GitHub's published vector verifies, and a changed secret or body does not", () => {
  const headers = { 'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' };
  passes('github', { secret: "It's a Secret to Everybody" }, req(headers, 'Hello, World!'), 0);
  fails('github', { secret: "It's a Secret to Everybody." }, req(headers, 'Hello, World!'), 0, 'bad_signature');
  fails('github', { secret: "It's a Secret to Everybody" }, req(headers, 'Hello, World?'), 0, 'bad_signature');
});

const SLACK_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';

test("Slack's published vector (a form-urlencoded slash command) verifies at its time, and not 301 s later", () => {
  const config = { secret: '8f742231b10e8888abcd99yyyzzz85a5' };
  const headers = { 'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503', 'x-slack-request-timestamp': '1531420618' };
  passes('slack', config, req(headers, SLACK_BODY), 1531420618_000);
  passes('slack', config, req(headers, SLACK_BODY), 1531420918_000);
  fails('slack', config, req(headers, SLACK_BODY), 1531420919_000, 'timestamp_out_of_tolerance');
  fails('slack', config, req({ ...headers, 'x-slack-request-timestamp': '1531420619' }, SLACK_BODY), 1531420618_000, 'bad_signature');
});

const TWILIO_URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const TWILIO_PARAMS = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };

test("Twilio's published vectors verify, the second with its changed numbers only", () => {
  const body = new URLSearchParams(TWILIO_PARAMS).toString();
  passes('twilio', { secret: '12345' }, req({ 'x-twilio-signature': 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' }, body, TWILIO_URL), 0);
  const php = new URLSearchParams({ ...TWILIO_PARAMS, Caller: '+14158675310', From: '+14158675310' }).toString();
  passes('twilio', { secret: '12345' }, req({ 'x-twilio-signature': 'GvWf1cFY/Q7PnoempGyD5oXAezc=' }, php, TWILIO_URL), 0);
  fails('twilio', { secret: '12345' }, req({ 'x-twilio-signature': 'GvWf1cFY/Q7PnoempGyD5oXAezc=' }, body, TWILIO_URL), 0, 'bad_signature');
  fails('twilio', { secret: '12345' }, req({ 'x-twilio-signature': 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' }, body, TWILIO_URL.replace('foo=1', 'foo=2')), 0, 'bad_signature');
});

test('Twilio: a URL signed with the default port verifies when called without it, and the reverse', () => {
  const body = new URLSearchParams(TWILIO_PARAMS).toString();
  const withPort = 'https://mycompany.com:443/myapp.php?foo=1&bar=2';
  passes('twilio', { secret: '12345' }, req({ 'x-twilio-signature': twilio.getExpectedTwilioSignature('12345', withPort, TWILIO_PARAMS) }, body, TWILIO_URL), 0);
  passes('twilio', { secret: '12345' }, req({ 'x-twilio-signature': 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' }, body, withPort), 0);
  const otherHost = 'https://mycompany.org/myapp.php?foo=1&bar=2';
  fails('twilio', { secret: '12345' }, req({ 'x-twilio-signature': 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' }, body, otherHost), 0, 'bad_signature');
});

test('Twilio: repeated parameters are signed as Twilio signs them, and a SharedKey HMAC_SHA256 signature verifies', () => {
  const body = 'To=%2B1800&MediaUrl=b&MediaUrl=a&MediaUrl=b';
  const params = { To: '+1800', MediaUrl: ['b', 'a', 'b'] };
  passes('twilio', { secret: 'tok' }, req({ 'x-twilio-signature': twilio.getExpectedTwilioSignature('tok', TWILIO_URL, params) }, body, TWILIO_URL), 0);
  const sha256 = twilio.getExpectedTwilioSignature('shared', TWILIO_URL, params, 'HMAC_SHA256');
  const settings = 'key=webhooks_sharedkey_1,algorithm=HMAC_SHA256';
  passes('twilio', { secret: 'shared' }, req({ 'x-twilio-signature': sha256, 'x-twilio-webhooks-signature-settings': settings }, body, TWILIO_URL), 0);
  fails('twilio', { secret: 'shared' }, req({ 'x-twilio-signature': sha256 }, body, TWILIO_URL), 0, 'bad_signature', 'SHA-256 signature read as SHA-1');
});

test('Twilio: a JSON body is checked through bodySHA256; a body that does not hash to it fails', () => {
  const body = '{"EventType":"onMessageAdded"}';
  const url = `https://hooks.example.com/in/tok?bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
  const headers = { 'x-twilio-signature': twilio.getExpectedTwilioSignature('tok', url, {}) };
  assert.ok(twilio.validateRequestWithBody('tok', headers['x-twilio-signature'], url, body), 'the twilio SDK agrees');
  passes('twilio', { secret: 'tok' }, req(headers, body, url), 0);
  fails('twilio', { secret: 'tok' }, req(headers, '{"EventType":"onMessageRemoved"}', url), 0, 'bad_signature');
});

const vectorsPath = new URL('../../../../shared/reference/standard-webhooks-vectors.json', import.meta.url);
const localVectors = new URL('./fixtures/standard-webhooks-vectors.json', import.meta.url);

test('every Standard Webhooks vector verifies as svix, under webhook-* and svix-* names, and fails a second past 300 s', () => {
  const { vectors } = JSON.parse(readFileSync(existsSync(vectorsPath) ? vectorsPath : localVectors, 'utf8')) as {
    vectors: Array<Record<'secret' | 'webhook-id' | 'webhook-timestamp' | 'payload' | 'webhook-signature', string>>;
  };
  assert.ok(vectors.length >= 4);
  for (const vector of vectors) {
    const now = Number(vector['webhook-timestamp']) * 1000;
    const config = { secret: vector.secret };
    const webhook = { 'webhook-id': vector['webhook-id'], 'webhook-timestamp': vector['webhook-timestamp'], 'webhook-signature': vector['webhook-signature'] };
    const svix = { 'svix-id': vector['webhook-id'], 'svix-timestamp': vector['webhook-timestamp'], 'svix-signature': vector['webhook-signature'] };
    passes('svix', config, req(webhook, vector.payload), now, vector['webhook-id']);
    passes('resend', config, req(svix, vector.payload), now, vector['webhook-id']);
    fails('svix', config, req(webhook, vector.payload), now + 301_000, 'timestamp_out_of_tolerance');
    fails('svix', config, req({ ...webhook, 'webhook-id': `${vector['webhook-id']}x` }, vector.payload), now, 'bad_signature');
  }
});

test('Standard Webhooks: one of several signatures (a rotation, an asymmetric v1a beside it) is enough', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const other = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
  const at = new Date(1_700_000_000_000);
  const payload = '{"type":"user.created"}';
  const signatures = `v1a,AAAA ${new Webhook(other).sign('msg_1', at, payload)} ${new Webhook(secret).sign('msg_1', at, payload)}`;
  const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': '1700000000', 'webhook-signature': signatures };
  passes('svix', { secret }, req(headers, payload), at.getTime());
  fails('svix', { secret: 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=' }, req(headers, payload), at.getTime(), 'bad_signature');
});

test('Stripe: one matching v1 among several passes (Stripe rolls secrets so); a v0 signature alone does not', () => {
  const secret = 'whsec_test_secret';
  const payload = '{"id":"evt_1","object":"event"}';
  const good = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: 1_700_000_000 });
  const goodV1 = good.split(',v1=')[1]!;
  const several = `t=1700000000,v1=${'0'.repeat(64)},v1=${goodV1},v0=${'1'.repeat(64)}`;
  passes('stripe', { secret }, req({ 'stripe-signature': several }, payload), 1_700_000_000_000);
  fails('stripe', { secret }, req({ 'stripe-signature': `t=1700000000,v0=${goodV1}` }, payload), 1_700_000_000_000, 'bad_signature');
  fails('stripe', { secret }, req({ 'stripe-signature': `v1=${goodV1}` }, payload), 1_700_000_000_000, 'bad_signature', 'no t=');
});

test('PagerDuty: one matching v1 among several passes', () => {
  const secret = 'pd-secret';
  const body = '{"event":{"event_type":"incident.triggered"}}';
  const good = createHmac('sha256', secret).update(body).digest('hex');
  passes('pagerduty', { secret }, req({ 'x-pagerduty-signature': `v1=${'a'.repeat(64)},v1=${good}` }, body), 0);
  fails('pagerduty', { secret }, req({ 'x-pagerduty-signature': `v1=${'a'.repeat(64)}` }, body), 0, 'bad_signature');
});

test('Paddle: a second h1 (Paddle during a secret rotation) is tried too', () => {
  const secret = 'pdl_ntfset_secret';
  const body = '{"event_id":"evt_01","event_type":"subscription.created"}';
  const good = createHmac('sha256', secret).update(`1700000000:${body}`).digest('hex');
  passes('paddle', { secret }, req({ 'paddle-signature': `ts=1700000000;h1=${'b'.repeat(64)};h1=${good}` }, body), 1_700_000_000_000);
});

test("provider hex signatures are compared exactly, as the provider's own code does; the hmac type takes either case", () => {
  const body = 'Hello, World!';
  const upper = 'sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17';
  fails('github', { secret: "It's a Secret to Everybody" }, req({ 'x-hub-signature-256': upper }, body), 0, 'bad_signature');
  const config = { secret: "It's a Secret to Everybody", header: 'x-sig', algorithm: 'sha256', encoding: 'hex', prefix: 'sha256=' } as const;
  passes('hmac', config, req({ 'x-sig': upper }, body), 0);
});

test('Stripe and Paddle: a header with two timestamps is ambiguous and refused', () => {
  const secret = 'whsec_test_secret';
  const payload = '{"id":"evt_1"}';
  const good = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: 1_700_000_000 });
  fails('stripe', { secret }, req({ 'stripe-signature': `${good},t=1700000001` }, payload), 1_700_000_000_000, 'bad_signature');
  const paddle = createHmac('sha256', 'p').update(`1700000000:${payload}`).digest('hex');
  fails('paddle', { secret: 'p' }, req({ 'paddle-signature': `ts=1700000000;h1=${paddle};ts=1700000001` }, payload), 1_700_000_000_000, 'bad_signature');
});

test('hmac: a 13-digit timestamp header is read as milliseconds', () => {
  const config = { secret: 's3cret', header: 'x-sig', algorithm: 'sha256', encoding: 'hex', signedString: '{timestamp}:{body}', timestampHeader: 'x-ts', toleranceSeconds: 60 } as const;
  const ms = '1700000000123';
  const signature = createHmac('sha256', 's3cret').update(`${ms}:{}`).digest('hex');
  passes('hmac', config, req({ 'x-sig': signature, 'x-ts': ms }, '{}'), 1_700_000_060_000);
  fails('hmac', config, req({ 'x-sig': signature, 'x-ts': ms }, '{}'), 1_700_000_061_000, 'timestamp_out_of_tolerance');
});

test('Linear: a body without webhookTimestamp fails even when signed', () => {
  const body = '{"action":"create","type":"Issue"}';
  const signature = createHmac('sha256', 'lin').update(body).digest('hex');
  fails('linear', { secret: 'lin' }, req({ 'linear-signature': signature }, body), 0, 'timestamp_out_of_tolerance');
});

test('api-key: an Authorization header takes the key after "Bearer"; both places are read when both are set', () => {
  passes('api-key', { key: 'k-123', header: 'authorization' }, req({ authorization: 'Bearer k-123' }, ''), 0);
  const both = { key: 'k-123', header: 'x-key', query: 'key' };
  passes('api-key', both, req({}, '', 'https://h.example/in/t?key=k-123'), 0);
  passes('api-key', both, req({ 'x-key': 'k-123' }, ''), 0);
  fails('api-key', both, req({ 'x-key': 'k-124' }, '', 'https://h.example/in/t?key=k-125'), 0, 'unauthorized');
});

test('basic-auth: the right password under another user name fails', () => {
  const config = { username: 'hooks', password: 'pw' };
  passes('basic-auth', config, req({ authorization: `Basic ${Buffer.from('hooks:pw').toString('base64')}` }, ''), 0);
  fails('basic-auth', config, req({ authorization: `Basic ${Buffer.from('hook:pw').toString('base64')}` }, ''), 0, 'unauthorized');
  fails('basic-auth', config, req({ authorization: `Bearer pw` }, ''), 0, 'unauthorized');
});
