import { z } from 'zod';
import { MESSAGE_STATUS_TEXT, ValidationError, payloadFilterOf, validateFilter, type Endpoint, type EndpointVerification, type MessageStatus } from '@herald/core';
import { channel, eventTypeName, iso, metadata, rate, uid } from './common.ts';

// Beyond Svix: `whsk_` + base64 of a 32-byte ed25519 seed makes Herald sign with ed25519 (v1a).
export const ENDPOINT_SECRET_PATTERN = /^((whsec_)?[a-zA-Z0-9+/=]{32,100}|whsk_[a-zA-Z0-9+/]{43}=)$/;
/** What `GET …/secret` returns: the secret, or for a `whsk_` one the `whpk_` public key. */
export const ENDPOINT_KEY_OUT_PATTERN = /^(whsec_[a-zA-Z0-9+/=]{32,100}|whpk_[a-zA-Z0-9+/]{43}=)$/;
export const endpointSecret = z.string().regex(ENDPOINT_SECRET_PATTERN,
  'must be base64 of 24 to 75 bytes, optionally prefixed with whsec_, or whsk_ and base64 of a 32-byte ed25519 private key');

const headerName = z.string().min(1).max(256).regex(/^[!#$%&'*+\-.^_`|~0-9a-zA-Z]+$/, 'is not a valid HTTP header name');
const headerValue = z.string().max(8_192).regex(/^[^\r\n\0]*$/, 'must not contain line breaks');
export const headers = z.record(headerName, headerValue).refine((value) => Object.keys(value).length <= 50, 'at most 50 headers');

const base = {
  url: z.string().min(1).max(65_536),
  description: z.string().max(8_192),
  uid: uid.nullish(),
  disabled: z.boolean(),
  filterTypes: z.array(eventTypeName).max(250).nullish(),
  eventTypes: z.array(eventTypeName).max(250).nullish(),
  channels: z.array(channel).max(10).nullish(),
  rateLimit: rate.nullish(),
  throttleRate: rate.nullish(),
  metadata,
  // Bounded to the database column (a 32-bit integer), which would otherwise refuse it with a 500.
  version: z.number().int().min(1).max(2_147_483_647).nullish(),
  /** Herald extension: hold messages back until the URL has echoed a verification challenge. */
  requireVerification: z.boolean().optional(),
  /**
   * Herald extension: a content filter on the message payload (Hookdeck's dialect), checked further by
   * payloadFilterChange. Left out, on PUT too, keeps the endpoint's filter: the Svix SDKs drop the
   * field they do not know, and an update through them must not silently clear it. null clears it.
   */
  filter: z.unknown().optional(),
};

export const endpointIn = z.object({
  ...base,
  description: base.description.default(''),
  disabled: base.disabled.default(false),
  metadata: metadata.default({}),
  secret: endpointSecret.nullish(),
  headers: headers.nullish(),
});

export const endpointUpdate = z.object({
  ...base,
  description: base.description.default(''),
  disabled: base.disabled.default(false),
  metadata: metadata.default({}),
});

export const endpointPatch = z.object({
  ...base,
  url: base.url.optional(),
  description: base.description.optional(),
  disabled: base.disabled.optional(),
  metadata: metadata.optional(),
});

/** Svix accepts both the old and new names of two fields; a request may use either. */
export function filterTypesOf(input: { filterTypes?: string[] | null; eventTypes?: string[] | null }): string[] | null | undefined {
  const types = input.filterTypes !== undefined ? input.filterTypes : input.eventTypes;
  return types === undefined ? undefined : types && types.length > 0 ? [...new Set(types)] : null;
}

/**
 * The payload filter a request gave, validated: null to clear it, undefined when not given. A filter
 * the evaluator would refuse is a 422 naming the bad operator at its place (`body.filter.total.$gtee`),
 * never a filter that silently drops everything. Stored with withPayloadFilter (core/fan-out.ts).
 */
export function payloadFilterChange(body: { filter?: unknown }): unknown | null | undefined {
  if (body.filter === undefined || body.filter === null) return body.filter;
  const problem = validateFilter(body.filter);
  if (problem) {
    throw new ValidationError([{
      loc: ['body', 'filter', ...problem.path.split('.').filter((part) => part.length > 0)],
      msg: problem.message,
      type: 'value_error.filter',
    }]);
  }
  return body.filter;
}

/** Values of these headers are write-only: reads name them but never show them. */
export const SENSITIVE_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']);
/** Herald sets these itself; an endpoint may not override them. */
export const RESERVED_HEADERS = new Set(['webhook-id', 'webhook-timestamp', 'webhook-signature', 'content-type',
  'content-length', 'host', 'connection', 'transfer-encoding', 'user-agent']);

export function endpointOut(endpoint: Endpoint) {
  return {
    id: endpoint.id,
    uid: endpoint.uid,
    url: endpoint.url,
    description: endpoint.description,
    version: endpoint.version,
    disabled: endpoint.disabled,
    filterTypes: endpoint.eventTypes,
    eventTypes: endpoint.eventTypes,
    channels: endpoint.channels,
    rateLimit: endpoint.throttleRate,
    throttleRate: endpoint.throttleRate,
    metadata: endpoint.metadata,
    createdAt: iso(endpoint.createdAt),
    updatedAt: iso(endpoint.updatedAt),
    verification: verificationOut(endpoint.verification),
    filter: payloadFilterOf(endpoint.filter),
  };
}

function verificationOut(verification: EndpointVerification | null | undefined) {
  if (!verification) return null;
  return { status: verification.status, checkedAt: verification.checkedAt === null ? null : iso(verification.checkedAt), error: verification.error };
}

export function messageEndpointOut(endpoint: Endpoint, status: MessageStatus, nextAttemptAt: number | null) {
  return {
    ...endpointOut(endpoint),
    status,
    statusText: MESSAGE_STATUS_TEXT[status],
    nextAttempt: nextAttemptAt === null ? null : iso(nextAttemptAt),
  };
}
