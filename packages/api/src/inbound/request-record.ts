import type { FastifyRequest } from 'fastify';
import { newId } from '@herald/core';
import type { InboundSource, NewInboundRequest } from '@herald/storage';

const REDACTED = '[redacted]';

/** The row a received request becomes: what was sent, from where, and the verdict (`request.inbound` must be set). */
export function inboundRecord(request: FastifyRequest<{ Params: { token: string; '*'?: string } }>, body: Buffer | null,
  verdict: 'accepted' | 'rejected', rejectReason: string | null, facts: { dedupeKey: string | null; eventType: string },
  /** The request's flatHeaders when the caller already has them (not changed here: redaction copies). */
  headers: Record<string, string> = flatHeaders(request)): NewInboundRequest {
  const { source, receivedAt, sourceIp } = request.inbound!;
  const [target, query = ''] = splitOnce(request.url, '?');
  return {
    id: newId('inreq', receivedAt),
    sourceId: source.id,
    receivedAt,
    method: request.method,
    path: pathBelowToken(target),
    query: redactQuery(source, query),
    headers: redactHeaders(source, headers),
    body,
    sourceIp,
    verdict,
    rejectReason,
    // A text column (PostgreSQL's) cannot hold NUL, and a provider's id is the sender's to choose.
    dedupeKey: facts.dedupeKey?.replaceAll('\u0000', '\\0') ?? null,
    eventType: facts.eventType,
  };
}

/** Lower-cased names, repeated headers joined with ", " (Node's rule; set-cookie arrives as an array). */
export function flatHeaders(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/**
 * The request log keeps headers, but not the credentials a basic-auth or api-key source checks:
 * anyone who can read the log could otherwise send as the provider.
 */
function redactHeaders(source: InboundSource, headers: Record<string, string>): Record<string, string> {
  const config = source.config as Record<string, unknown>;
  if (source.type === 'basic-auth' && headers.authorization !== undefined) return { ...headers, authorization: REDACTED };
  if (source.type === 'api-key') {
    const name = typeof config.header === 'string' ? config.header.toLowerCase() : config.query === undefined ? 'x-api-key' : undefined;
    if (name && headers[name] !== undefined) return { ...headers, [name]: REDACTED };
  }
  return headers;
}

function redactQuery(source: InboundSource, query: string): string {
  const config = source.config as Record<string, unknown>;
  if (source.type !== 'api-key' || typeof config.query !== 'string' || query === '') return query;
  const params = new URLSearchParams(query);
  if (!params.has(config.query)) return query;
  params.set(config.query, REDACTED);
  return params.toString();
}

/**
 * The path below `/in/<token>`, as sent (still percent-encoded: decoded, `%00` would be a NUL no
 * text column takes), `/` when there is none. The token is the source's credential and is never
 * written to the log.
 */
function pathBelowToken(target: string): string {
  const rest = target.slice('/in/'.length);
  const slash = rest.indexOf('/');
  return slash < 0 ? '/' : rest.slice(slash);
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

