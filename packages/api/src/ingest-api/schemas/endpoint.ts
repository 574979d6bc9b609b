import { z } from 'zod';
import { ValidationError, validateRequestFilter, type Endpoint } from '@herald/core';
import { iso, metadata, rate, uid } from '../../schemas/common.ts';
import { RESERVED_HEADERS, endpointSecret } from '../../schemas/endpoint.ts';

const headerName = z.string().min(1).max(256).regex(/^[!#$%&'*+\-.^_`|~0-9a-zA-Z]+$/, 'is not a valid HTTP header name');

const base = {
  url: z.string().min(1).max(65_536),
  description: z.string().max(8_192).default(''),
  uid: uid.nullish(),
  disabled: z.boolean().default(false),
  rateLimit: rate.nullish(),
  throttleRate: rate.nullish(),
  metadata: metadata.default({}),
  // Herald extensions; checked further by ingestExtensions. Left out on PUT: kept as they are.
  filter: z.unknown().optional(),
  forwardHeaders: z.array(headerName).max(50).nullish(),
};

/** IngestEndpointIn as the svix SDK sends it, plus `filter` and `forwardHeaders`. */
export const ingestEndpointIn = z.object({ ...base, secret: endpointSecret.nullish() });
/** IngestEndpointUpdate. */
export const ingestEndpointUpdate = z.object(base);

/** IngestEndpointTransformationPatch: a field left out keeps its value. */
export const transformationPatch = z.object({
  code: z.string().max(65_536).nullish(),
  enabled: z.boolean().optional(),
});

/** A header Herald sets itself cannot come from the provider as well; content-type is always passed on. */
const NOT_FORWARDABLE = new Set([...RESERVED_HEADERS].filter((name) => name !== 'content-type'));

/**
 * The filter, validated by the core (a 422 whose message names the bad operator), and the
 * forwarded header names, lower-cased (provider headers are stored lower-cased) and de-duplicated.
 * `undefined` means "not given".
 */
export function ingestExtensions(body: { filter?: unknown; forwardHeaders?: string[] | null }): {
  filter: unknown | null | undefined;
  forwardHeaders: string[] | null | undefined;
} {
  if (body.filter !== undefined && body.filter !== null) {
    const problem = validateRequestFilter(body.filter);
    if (problem) {
      throw new ValidationError([{
        loc: ['body', 'filter', ...problem.path.split('.').filter((part) => part.length > 0)],
        msg: problem.message,
        type: 'value_error.filter',
      }]);
    }
  }
  let forwardHeaders = body.forwardHeaders;
  if (forwardHeaders) {
    forwardHeaders = [...new Set(forwardHeaders.map((name) => name.toLowerCase()))];
    const refused = forwardHeaders.filter((name) => NOT_FORWARDABLE.has(name));
    if (refused.length > 0) {
      throw ValidationError.single(['body', 'forwardHeaders'], `these headers are set by Herald and cannot be forwarded: ${refused.join(', ')}`);
    }
    if (forwardHeaders.length === 0) forwardHeaders = null;
  }
  return { filter: body.filter, forwardHeaders };
}

export const throttleOf = (input: { throttleRate?: number | null; rateLimit?: number | null }) =>
  input.throttleRate ?? input.rateLimit ?? null;

/** IngestEndpointOut, plus Herald's `filter` and `forwardHeaders`. Never the secret. */
export function ingestEndpointOut(endpoint: Endpoint) {
  return {
    id: endpoint.id,
    uid: endpoint.uid,
    url: endpoint.url,
    description: endpoint.description,
    disabled: endpoint.disabled,
    rateLimit: endpoint.throttleRate,
    throttleRate: endpoint.throttleRate,
    metadata: endpoint.metadata,
    createdAt: iso(endpoint.createdAt),
    updatedAt: iso(endpoint.updatedAt),
    filter: endpoint.filter ?? null,
    forwardHeaders: endpoint.forwardHeaders ?? null,
  };
}
