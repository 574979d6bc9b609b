import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { NotFoundError, ValidationError, ed25519PublicKeyOf, generateSecret, isEd25519Secret, newId, normaliseSecret } from '@herald/core';
import type { EndpointChanges } from '@herald/storage';
import type { ApiDeps } from '../../deps.ts';
import { listQuery } from '../../schemas/common.ts';
import { RESERVED_HEADERS, SENSITIVE_HEADERS, endpointSecret, headers as headersSchema } from '../../schemas/endpoint.ts';
import { parse } from '../../validation.ts';
import { requireIngestEndpoint, requireSource } from '../require.ts';
import { ingestEndpointIn, ingestEndpointOut, ingestEndpointUpdate, ingestExtensions, throttleOf, transformationPatch } from '../schemas/endpoint.ts';

type SourceParams = { Params: { source_id: string } };
type EndpointParams = { Params: { source_id: string; endpoint_id: string } };

const ENDPOINT = '/ingest/api/v1/source/:source_id/endpoint/:endpoint_id';
/** The secret rotation's default grace, as for an application's endpoints. */
const DEFAULT_GRACE_SECONDS = 86_400;

/**
 * The destinations of a source: endpoints of its backing application, managed here with Svix
 * Ingest's shapes. Their forwards are ordinary Herald deliveries, signed with their own secret.
 */
export function registerIngestEndpointRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const checkUrl = (url: string): string => {
    const verdict = deps.checkUrl(url);
    if (!verdict.ok) throw ValidationError.single(['body', 'url'], verdict.reason);
    return url;
  };

  app.get<SourceParams>('/ingest/api/v1/source/:source_id/endpoint', async (request) => {
    const query = parse(listQuery, request.query, 'query');
    const source = await requireSource(deps, request.params.source_id);
    const page = await deps.store.listEndpoints(source.appId, query);
    return { ...page, data: page.data.map(ingestEndpointOut) };
  });

  app.post<SourceParams>('/ingest/api/v1/source/:source_id/endpoint', async (request, reply) => {
    const body = parse(ingestEndpointIn, request.body, 'body');
    const source = await requireSource(deps, request.params.source_id);
    const extensions = ingestExtensions(body);
    const created = await deps.store.createEndpoint({
      id: newId('ep'),
      appId: source.appId,
      uid: body.uid ?? null,
      url: checkUrl(body.url),
      description: body.description,
      disabled: body.disabled,
      eventTypes: null,
      channels: null,
      headers: {},
      throttleRate: throttleOf(body),
      metadata: body.metadata,
      version: 1,
      secret: body.secret ? normaliseSecret(body.secret) : generateSecret(),
      filter: extensions.filter ?? null,
      forwardHeaders: extensions.forwardHeaders ?? null,
    }, deps.clock());
    return reply.code(201).send(ingestEndpointOut(created));
  });

  app.get<EndpointParams>(ENDPOINT, async (request) => {
    const { endpoint } = await requireIngestEndpoint(deps, request.params.source_id, request.params.endpoint_id);
    return ingestEndpointOut(endpoint);
  });

  app.put<EndpointParams>(ENDPOINT, async (request) => {
    const body = parse(ingestEndpointUpdate, request.body, 'body');
    const { source, endpoint } = await requireIngestEndpoint(deps, request.params.source_id, request.params.endpoint_id);
    const extensions = ingestExtensions(body);
    const changes: EndpointChanges = {
      url: checkUrl(body.url),
      uid: body.uid ?? null,
      description: body.description,
      disabled: body.disabled,
      throttleRate: throttleOf(body),
      metadata: body.metadata,
    };
    // The svix SDK never sends the extensions: left out, they stay as they are.
    if (extensions.filter !== undefined) changes.filter = extensions.filter;
    if (extensions.forwardHeaders !== undefined) changes.forwardHeaders = extensions.forwardHeaders;
    return ingestEndpointOut(await deps.store.updateEndpoint(source.appId, endpoint.id, changes, deps.clock()));
  });

  app.delete<EndpointParams>(ENDPOINT, async (request, reply) => {
    const { source, endpoint } = await requireIngestEndpoint(deps, request.params.source_id, request.params.endpoint_id);
    if (!(await deps.store.deleteEndpoint(source.appId, endpoint.id))) throw new NotFoundError('Ingest endpoint');
    return reply.code(204).send();
  });

  app.get<EndpointParams>(`${ENDPOINT}/headers`, async (request) => {
    const { endpoint } = await requireIngestEndpoint(deps, request.params.source_id, request.params.endpoint_id);
    const visible: Record<string, string> = {};
    const sensitive: string[] = [];
    for (const [name, value] of Object.entries(endpoint.headers)) {
      if (SENSITIVE_HEADERS.has(name.toLowerCase())) sensitive.push(name);
      else visible[name] = value;
    }
    return { headers: visible, sensitive };
  });

  // The svix SDK's updateHeaders is a PUT that replaces them all.
  app.put<EndpointParams>(`${ENDPOINT}/headers`, async (request, reply) => {
    const body = parse(z.object({ headers: headersSchema }), request.body, 'body');
    const { source, endpoint } = await requireIngestEndpoint(deps, request.params.source_id, request.params.endpoint_id);
    await deps.store.updateEndpoint(source.appId, endpoint.id, { headers: checkHeaders(body.headers) }, deps.clock());
    return reply.code(204).send();
  });

  // PATCH merges, and a null value removes that header (as for an application's endpoints).
  app.patch<EndpointParams>(`${ENDPOINT}/headers`, async (request, reply) => {
    const body = parse(z.object({ headers: z.record(z.string(), z.string().nullable()) }), request.body, 'body');
    const { source, endpoint } = await requireIngestEndpoint(deps, request.params.source_id, request.params.endpoint_id);
    const merged: Record<string, string> = { ...endpoint.headers };
    for (const [name, value] of Object.entries(body.headers)) {
      if (value === null) delete merged[name];
      else merged[name] = value;
    }
    await deps.store.updateEndpoint(source.appId, endpoint.id, { headers: checkHeaders(parse(headersSchema, merged, 'body')) }, deps.clock());
    return reply.code(204).send();
  });

  app.get<EndpointParams>(`${ENDPOINT}/secret`, async (request) => {
    const { endpoint } = await requireIngestEndpoint(deps, request.params.source_id, request.params.endpoint_id);
    const [current] = await deps.store.getEndpointSecrets(endpoint.id, deps.clock());
    if (!current) throw new NotFoundError('Ingest endpoint secret');
    return { key: isEd25519Secret(current.key) ? ed25519PublicKeyOf(current.key) : current.key };
  });

  app.post<EndpointParams>(`${ENDPOINT}/secret/rotate`, async (request, reply) => {
    const body = parse(z.object({
      key: endpointSecret.nullish(),
      gracePeriodSeconds: z.number().int().min(0).max(604_800).nullish(),
    }), request.body ?? {}, 'body');
    const { endpoint } = await requireIngestEndpoint(deps, request.params.source_id, request.params.endpoint_id);
    const key = body.key ? normaliseSecret(body.key) : generateSecret();
    await deps.store.rotateEndpointSecret(endpoint.id, key, (body.gracePeriodSeconds ?? DEFAULT_GRACE_SECONDS) * 1000, deps.clock());
    return reply.code(204).send();
  });

  // Stored as given; running it is issue 13's engine. Until then the router forwards untransformed.
  app.get<EndpointParams>(`${ENDPOINT}/transformation`, async (request) => {
    const { endpoint } = await requireIngestEndpoint(deps, request.params.source_id, request.params.endpoint_id);
    const stored = await deps.store.getEndpointTransformation(endpoint.id);
    return { code: stored?.code ?? null, enabled: stored?.enabled ?? false };
  });

  app.patch<EndpointParams>(`${ENDPOINT}/transformation`, async (request, reply) => {
    const body = parse(transformationPatch, request.body ?? {}, 'body');
    const { endpoint } = await requireIngestEndpoint(deps, request.params.source_id, request.params.endpoint_id);
    await deps.store.setEndpointTransformation(endpoint.id, {
      ...(body.code !== undefined ? { code: body.code } : {}),
      ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
    }, deps.clock());
    return reply.code(204).send();
  });
}

function checkHeaders(headers: Record<string, string>): Record<string, string> {
  const reserved = Object.keys(headers).filter((name) => RESERVED_HEADERS.has(name.toLowerCase()));
  if (reserved.length > 0) {
    throw ValidationError.single(['body', 'headers'], `these headers are set by Herald and cannot be overridden: ${reserved.join(', ')}`);
  }
  return headers;
}
