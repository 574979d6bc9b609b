/**
 * Signers for the inbound verification tests, one per source type. Where the provider ships code
 * that signs, it is used (GitHub's @octokit/webhooks-methods, Stripe's stripe, Twilio's twilio,
 * standardwebhooks); elsewhere the scheme is written here again from the provider's docs
 * (../shared/reference/inbound.md §3) with node:crypto, independently of Herald's verifier.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { sign as githubSign } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import twilio from 'twilio';
import { Webhook } from 'standardwebhooks';
import fc from 'fast-check';
import type { RawInboundRequest, SecretSourceConfig, SourceConfig, SourceType } from '@herald/core';

export interface Scheme {
  /** A name for test titles (several hmac variants share one type). */
  name: string;
  type: SourceType;
  config(secret: string, previousSecret?: string): SourceConfig;
  newSecret(): string;
  /** Signs `body` at `seconds` (unix seconds) with `secret`. */
  sign(secret: string, body: Buffer, seconds: number): Promise<RawInboundRequest>;
  /** Bodies this scheme can sign (default: any bytes). */
  bodies?: fc.Arbitrary<Buffer>;
  /** Schemes with a clock: the allowed difference, in seconds. */
  toleranceSeconds?: number;
  /** Credential schemes send no signature over the body: a changed body is not a forgery. */
  bodyUnsigned?: boolean;
  /** What a wrong secret or a forged request is reported as. */
  failure: 'bad_signature' | 'unauthorized';
}

const URL_BASE = 'https://hooks.example.com/in/src_tok';
const hex = (key: string | Buffer, ...parts: Array<string | Buffer>) => mac('sha256', key, parts).toString('hex');
function mac(algorithm: string, key: string | Buffer, parts: Array<string | Buffer>): Buffer {
  const hmac = createHmac(algorithm, key);
  for (const part of parts) hmac.update(part);
  return hmac.digest();
}
const text = (seconds: number) => String(seconds);
const plainSecret = () => randomBytes(24).toString('hex');
const whsec = () => `whsec_${randomBytes(24).toString('base64')}`;

function request(headers: Record<string, string>, body: Buffer, url = URL_BASE): RawInboundRequest {
  return { method: 'POST', url, headers, body };
}

/** UTF-8 text bodies, for the SDKs whose signers take strings. */
export const textBodies = fc.string({ unit: 'grapheme', maxLength: 300 }).map((value) => Buffer.from(JSON.stringify({ value })));
export const byteBodies = fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => Buffer.from(bytes));

const twilioParams = fc.dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,11}$/), fc.string({ maxLength: 30 }), { minKeys: 1, maxKeys: 8 });

export function formParams(body: Buffer): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
    const prior = out[name];
    out[name] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
  }
  return out;
}

const secretConfig = (secret: string, previousSecret?: string): SecretSourceConfig => (previousSecret ? { secret, previousSecret } : { secret });

export const SCHEMES: Scheme[] = [
  {
    name: 'github',
    type: 'github',
    config: secretConfig,
    newSecret: plainSecret,
    bodies: textBodies,
    failure: 'bad_signature',
    sign: async (secret, body) => request({ 'x-hub-signature-256': await githubSign(secret, body.toString('utf8')), 'x-github-event': 'push' }, body),
  },
  {
    name: 'stripe',
    type: 'stripe',
    config: secretConfig,
    newSecret: whsec,
    bodies: textBodies,
    toleranceSeconds: 300,
    failure: 'bad_signature',
    sign: async (secret, body, seconds) =>
      request({ 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body.toString('utf8'), secret, timestamp: seconds }) }, body),
  },
  {
    name: 'shopify',
    type: 'shopify',
    config: secretConfig,
    newSecret: plainSecret,
    failure: 'bad_signature',
    sign: async (secret, body) => request({ 'x-shopify-hmac-sha256': mac('sha256', secret, [body]).toString('base64') }, body),
  },
  {
    name: 'slack',
    type: 'slack',
    config: secretConfig,
    newSecret: plainSecret,
    toleranceSeconds: 300,
    failure: 'bad_signature',
    sign: async (secret, body, seconds) =>
      request({ 'x-slack-signature': `v0=${hex(secret, `v0:${seconds}:`, body)}`, 'x-slack-request-timestamp': text(seconds) }, body),
  },
  {
    name: 'svix (Standard Webhooks)',
    type: 'svix',
    config: secretConfig,
    newSecret: whsec,
    // The standardwebhooks signer decodes a Buffer as UTF-8 text first, so it signs text only.
    bodies: textBodies,
    toleranceSeconds: 300,
    failure: 'bad_signature',
    sign: async (secret, body, seconds) => {
      const id = `msg_${randomBytes(8).toString('hex')}`;
      const signature = new Webhook(secret).sign(id, new Date(seconds * 1000), body);
      return request({ 'webhook-id': id, 'webhook-timestamp': text(seconds), 'webhook-signature': signature }, body);
    },
  },
  {
    name: 'clerk (svix-* header names)',
    type: 'clerk',
    config: secretConfig,
    newSecret: whsec,
    // The standardwebhooks signer decodes a Buffer as UTF-8 text first, so it signs text only.
    bodies: textBodies,
    toleranceSeconds: 300,
    failure: 'bad_signature',
    sign: async (secret, body, seconds) => {
      const id = `msg_${randomBytes(8).toString('hex')}`;
      const signature = new Webhook(secret).sign(id, new Date(seconds * 1000), body);
      return request({ 'svix-id': id, 'svix-timestamp': text(seconds), 'svix-signature': signature }, body);
    },
  },
  {
    name: 'twilio (form parameters)',
    type: 'twilio',
    config: secretConfig,
    newSecret: plainSecret,
    bodies: twilioParams.map((params) => Buffer.from(new URLSearchParams(params).toString())),
    failure: 'bad_signature',
    sign: async (secret, body) => {
      const url = `${URL_BASE}?Via=herald`;
      return request({ 'x-twilio-signature': twilio.getExpectedTwilioSignature(secret, url, formParams(body)) }, body, url);
    },
  },
  {
    name: 'twilio (JSON body through bodySHA256)',
    type: 'twilio',
    config: secretConfig,
    newSecret: plainSecret,
    bodies: textBodies,
    failure: 'bad_signature',
    sign: async (secret, body) => {
      const url = `${URL_BASE}?bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
      return request({ 'x-twilio-signature': twilio.getExpectedTwilioSignature(secret, url, {}), 'content-type': 'application/json' }, body, url);
    },
  },
  {
    name: 'gitlab',
    type: 'gitlab',
    config: secretConfig,
    newSecret: plainSecret,
    bodyUnsigned: true,
    failure: 'unauthorized',
    sign: async (secret, body) => request({ 'x-gitlab-token': secret, 'x-gitlab-event': 'Push Hook' }, body),
  },
  {
    name: 'linear',
    type: 'linear',
    config: secretConfig,
    newSecret: plainSecret,
    toleranceSeconds: 60,
    failure: 'bad_signature',
    // Linear's clock is in the body (webhookTimestamp, ms): the signer writes it there.
    sign: async (secret, body, seconds) => {
      const signed = Buffer.from(JSON.stringify({ action: 'create', type: 'Issue', data: body.toString('base64'), webhookTimestamp: seconds * 1000 }));
      return request({ 'linear-signature': hex(secret, signed), 'linear-delivery': randomBytes(8).toString('hex') }, signed);
    },
  },
  {
    name: 'paddle',
    type: 'paddle',
    config: secretConfig,
    newSecret: plainSecret,
    toleranceSeconds: 5,
    failure: 'bad_signature',
    sign: async (secret, body, seconds) => request({ 'paddle-signature': `ts=${seconds};h1=${hex(secret, `${seconds}:`, body)}` }, body),
  },
  {
    name: 'pagerduty',
    type: 'pagerduty',
    config: secretConfig,
    newSecret: plainSecret,
    failure: 'bad_signature',
    sign: async (secret, body) => request({ 'x-pagerduty-signature': `v1=${hex(secret, body)}` }, body),
  },
  {
    name: 'hmac (sha256, hex, body only)',
    type: 'hmac',
    config: (secret, previousSecret) => ({ ...secretConfig(secret, previousSecret), header: 'x-signature', algorithm: 'sha256', encoding: 'hex' }),
    newSecret: plainSecret,
    failure: 'bad_signature',
    sign: async (secret, body) => request({ 'x-signature': hex(secret, body) }, body),
  },
  {
    name: 'hmac (sha512, base64, prefix, timestamp template)',
    type: 'hmac',
    config: (secret, previousSecret) => ({
      ...secretConfig(secret, previousSecret),
      header: 'x-acme-signature',
      algorithm: 'sha512',
      encoding: 'base64',
      prefix: 'sha512=',
      signedString: '{timestamp}.{body}',
      timestampHeader: 'x-acme-timestamp',
      toleranceSeconds: 120,
    }),
    newSecret: plainSecret,
    toleranceSeconds: 120,
    failure: 'bad_signature',
    sign: async (secret, body, seconds) =>
      request({ 'x-acme-signature': `sha512=${mac('sha512', secret, [`${seconds}.`, body]).toString('base64')}`, 'x-acme-timestamp': text(seconds) }, body),
  },
  {
    name: 'hmac (sha1, hex)',
    type: 'hmac',
    config: (secret, previousSecret) => ({ ...secretConfig(secret, previousSecret), header: 'x-hub-signature', algorithm: 'sha1', encoding: 'hex', prefix: 'sha1=' }),
    newSecret: plainSecret,
    failure: 'bad_signature',
    sign: async (secret, body) => request({ 'x-hub-signature': `sha1=${mac('sha1', secret, [body]).toString('hex')}` }, body),
  },
  {
    name: 'basic-auth',
    type: 'basic-auth',
    config: (password, previousSecret) => (previousSecret ? { username: 'stripe-hooks', password, previousSecret } : { username: 'stripe-hooks', password }),
    newSecret: plainSecret,
    bodyUnsigned: true,
    failure: 'unauthorized',
    sign: async (password, body) => request({ authorization: `Basic ${Buffer.from(`stripe-hooks:${password}`).toString('base64')}` }, body),
  },
  {
    name: 'api-key (header)',
    type: 'api-key',
    config: (key, previousSecret) => (previousSecret ? { key, header: 'x-api-key', previousSecret } : { key, header: 'x-api-key' }),
    newSecret: plainSecret,
    bodyUnsigned: true,
    failure: 'unauthorized',
    sign: async (key, body) => request({ 'x-api-key': key }, body),
  },
  {
    name: 'api-key (query)',
    type: 'api-key',
    config: (key, previousSecret) => (previousSecret ? { key, query: 'key', previousSecret } : { key, query: 'key' }),
    newSecret: plainSecret,
    bodyUnsigned: true,
    failure: 'unauthorized',
    sign: async (key, body) => request({}, body, `${URL_BASE}?key=${encodeURIComponent(key)}`),
  },
];

/** Changes one byte of a copy of `bytes` (one bit of it), at `at` modulo the length. */
export function flipByte(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  const index = at % copy.length;
  copy[index] = copy[index]! ^ 0x01;
  return copy;
}

/** Every header value and the URL of a request, with one byte of the credential changed: for credential schemes. */
export function tamperCredential(request: RawInboundRequest): RawInboundRequest {
  const headers = { ...request.headers };
  const change = (value: string) => value.slice(0, -1) + (value.endsWith('a') ? 'b' : 'a');
  for (const name of ['x-gitlab-token', 'x-api-key']) {
    const value = headers[name];
    if (value !== undefined) headers[name] = change(value);
  }
  const basic = headers.authorization;
  if (basic !== undefined) {
    // Re-encoded rather than edited in base64, where a changed padding character may decode the same.
    const credentials = Buffer.from(basic.slice('Basic '.length), 'base64').toString('utf8');
    headers.authorization = `Basic ${Buffer.from(change(credentials)).toString('base64')}`;
  }
  const url = request.url.includes('key=') ? request.url.slice(0, -1) + (request.url.endsWith('a') ? 'b' : 'a') : request.url;
  return { ...request, headers, url };
}
