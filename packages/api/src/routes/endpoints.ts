import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
  ed25519PublicKeyOf,
  endpointEvent,
  generateSecret,
  isEd25519Secret,
  newId,
  normaliseSecret,
  withPayloadFilter,
  type Application,
  type Endpoint,
} from '@herald/core';
import type { EndpointChanges } from '@herald/storage';
import { requireApp, requireEndpoint, type ApiDeps } from '../deps.ts';
import type { Principal } from '../auth.ts';
import { PENDING_VERIFICATION, runChallenge } from '../endpoint-verification.ts';
import { parse } from '../validation.ts';
import { iso, listQuery, msOf } from '../schemas/common.ts';
import {
  RESERVED_HEADERS,
  SENSITIVE_HEADERS,
  endpointIn,
  endpointOut,
  endpointPatch,
  endpointSecret,
  endpointUpdate,
  filterTypesOf,
  headers as headersSchema,
  payloadFilterChange,
} from '../schemas/endpoint.ts';
import { throttleOf } from '../schemas/application.ts';

/** Queue destinations' schemes (see @herald/delivery transports/broker-targets.ts). */
const BROKER_URL = /^(amqps?|redis|nats|mqtts?):/i;

type AppParams = { Params: { app_id: string } };
type EndpointParams = { Params: { app_id: string; endpoint_id: string } };

export function registerEndpointRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const checkUrl = (url: string, principal: Principal): string => {
    if (deps.checkBrokerUrl && BROKER_URL.test(url)) {
      // Brokers sit on the operator's private network: a tenant (app-portal token) may not aim
      // deliveries at them, even at one the operator listed.
      if (principal.kind === 'application') throw new ForbiddenError('Only an admin or organisation token may create or change queue-destination endpoints.');
      const broker = deps.checkBrokerUrl(url);
      if (!broker.ok) throw ValidationError.single(['body', 'url'], broker.reason);
      return url;
    }
    const verdict = deps.checkUrl(url);
    if (!verdict.ok) throw ValidationError.single(['body', 'url'], verdict.reason);
    return url;
  };
  /** The verification challenge is an HTTP exchange; a broker cannot answer it. */
  const refuseBrokerVerification = (url: string, required: boolean | undefined): void => {
    if (required && BROKER_URL.test(url)) {
      throw ValidationError.single(['body', 'requireVerification'], 'a queue destination cannot answer the verification challenge; leave requireVerification off.');
    }
  };
  const checkFilterTypes = async (types: string[] | null | undefined): Promise<void> => {
    if (!types || types.length === 0) return;
    const known = new Set(await deps.store.existingEventTypes(types));
    const unknown = types.filter((type) => !known.has(type));
    if (unknown.length > 0) throw ValidationError.single(['body', 'filterTypes'], `unknown event types: ${unknown.join(', ')}`);
  };
  const announce = (type: 'endpoint.created' | 'endpoint.updated' | 'endpoint.deleted', application: Application, endpoint: Endpoint) =>
    deps.operational.publish(endpointEvent(type, application, endpoint)).catch((error: unknown) =>
      app.log.error({ err: error, type }, 'could not publish operational event'));

  app.get<AppParams>('/api/v1/app/:app_id/endpoint', async (request) => {
    const query = parse(listQuery, request.query, 'query');
    const application = await requireApp(deps, request.params.app_id);
    const page = await deps.store.listEndpoints(application.id, query);
    return { ...page, data: page.data.map(endpointOut) };
  });

  app.post<AppParams>('/api/v1/app/:app_id/endpoint', async (request, reply) => {
    const body = parse(endpointIn, request.body, 'body');
    const application = await requireApp(deps, request.params.app_id);
    const url = checkUrl(body.url, request.principal);
    refuseBrokerVerification(url, body.requireVerification);
    const eventTypes = filterTypesOf(body) ?? null;
    await checkFilterTypes(eventTypes);
    const filter = withPayloadFilter(null, payloadFilterChange(body) ?? null);
    const created = await deps.store.createEndpoint({
      id: newId('ep'),
      appId: application.id,
      uid: body.uid ?? null,
      url,
      description: body.description,
      disabled: body.disabled,
      eventTypes,
      channels: body.channels && body.channels.length > 0 ? body.channels : null,
      headers: checkHeaders(body.headers ?? {}),
      throttleRate: throttleOf(body),
      metadata: body.metadata,
      version: body.version ?? 1,
      secret: body.secret ? normaliseSecret(body.secret) : generateSecret(),
      ...(body.requireVerification ? { verification: PENDING_VERIFICATION } : {}),
      ...(filter ? { filter } : {}),
    }, deps.clock());
    await announce('endpoint.created', application, created);
    return reply.code(201).send(endpointOut(created.verification ? await runChallenge(deps, created) : created));
  });

  app.get<EndpointParams>('/api/v1/app/:app_id/endpoint/:endpoint_id', async (request) => {
    const { endpoint } = await requireEndpoint(deps, request.params.app_id, request.params.endpoint_id);
    return endpointOut(endpoint);
  });

  /**
   * `requireVerification` left out keeps the endpoint as it is, on PUT too: the Svix SDKs do not
   * know the field, and an update through them must not silently drop the requirement.
   */
  const update = async (principal: Principal, application: Application, endpoint: Endpoint, changes: EndpointChanges, requireVerification: boolean | undefined) => {
    if (changes.url !== undefined) changes.url = checkUrl(changes.url, principal);
    await checkFilterTypes(changes.eventTypes);
    const required = requireVerification ?? Boolean(endpoint.verification);
    refuseBrokerVerification(changes.url ?? endpoint.url, required);
    const urlChanged = changes.url !== undefined && changes.url !== endpoint.url;
    if (!required) changes.verification = null;
    // A new URL must prove itself again before it gets messages.
    else if (!endpoint.verification || urlChanged) changes.verification = PENDING_VERIFICATION;
    const updated = await deps.store.updateEndpoint(application.id, endpoint.id, changes, deps.clock());
    await announce('endpoint.updated', application, updated);
    const challenge = updated.verification && changes.verification === PENDING_VERIFICATION;
    return endpointOut(challenge ? await runChallenge(deps, updated) : updated);
  };

  app.put<EndpointParams>('/api/v1/app/:app_id/endpoint/:endpoint_id', async (request) => {
    const body = parse(endpointUpdate, request.body, 'body');
    const { app: application, endpoint } = await requireEndpoint(deps, request.params.app_id, request.params.endpoint_id);
    return update(request.principal, application, endpoint, {
      url: body.url,
      uid: body.uid ?? null,
      description: body.description,
      disabled: body.disabled,
      eventTypes: filterTypesOf(body) ?? null,
      channels: body.channels && body.channels.length > 0 ? body.channels : null,
      throttleRate: throttleOf(body),
      metadata: body.metadata,
      version: body.version ?? endpoint.version,
      ...withFilter(endpoint, body),
    }, body.requireVerification);
  });

  app.patch<EndpointParams>('/api/v1/app/:app_id/endpoint/:endpoint_id', async (request) => {
    const body = parse(endpointPatch, request.body ?? {}, 'body');
    const { app: application, endpoint } = await requireEndpoint(deps, request.params.app_id, request.params.endpoint_id);
    const changes: EndpointChanges = {};
    if (body.url !== undefined) changes.url = body.url;
    if (body.uid !== undefined) changes.uid = body.uid;
    if (body.description !== undefined) changes.description = body.description;
    if (body.disabled !== undefined) changes.disabled = body.disabled;
    if (body.metadata !== undefined) changes.metadata = body.metadata;
    if (body.version != null) changes.version = body.version;
    if (body.channels !== undefined) changes.channels = body.channels && body.channels.length > 0 ? body.channels : null;
    const types = filterTypesOf(body);
    if (types !== undefined) changes.eventTypes = types;
    if (body.throttleRate !== undefined || body.rateLimit !== undefined) changes.throttleRate = throttleOf(body);
    Object.assign(changes, withFilter(endpoint, body));
    return update(request.principal, application, endpoint, changes, body.requireVerification);
  });

  app.post<EndpointParams>('/api/v1/app/:app_id/endpoint/:endpoint_id/verify', async (request) => {
    const { endpoint } = await requireEndpoint(deps, request.params.app_id, request.params.endpoint_id);
    if (!endpoint.verification) {
      throw new ConflictError('This endpoint does not require verification; set "requireVerification": true to turn it on.');
    }
    return endpointOut(await runChallenge(deps, endpoint));
  });

  app.delete<EndpointParams>('/api/v1/app/:app_id/endpoint/:endpoint_id', async (request, reply) => {
    const { app: application, endpoint } = await requireEndpoint(deps, request.params.app_id, request.params.endpoint_id);
    if (!(await deps.store.deleteEndpoint(application.id, endpoint.id))) throw new NotFoundError('Endpoint');
    await announce('endpoint.deleted', application, endpoint);
    return reply.code(204).send();
  });

  app.get<EndpointParams>('/api/v1/app/:app_id/endpoint/:endpoint_id/headers', async (request) => {
    const { endpoint } = await requireEndpoint(deps, request.params.app_id, request.params.endpoint_id);
    const visible: Record<string, string> = {};
    const sensitive: string[] = [];
    for (const [name, value] of Object.entries(endpoint.headers)) {
      if (SENSITIVE_HEADERS.has(name.toLowerCase())) sensitive.push(name);
      else visible[name] = value;
    }
    return { headers: visible, sensitive };
  });

  app.put<EndpointParams>('/api/v1/app/:app_id/endpoint/:endpoint_id/headers', async (request, reply) => {
    const body = parse(z.object({ headers: headersSchema }), request.body, 'body');
    const { app: application, endpoint } = await requireEndpoint(deps, request.params.app_id, request.params.endpoint_id);
    await deps.store.updateEndpoint(application.id, endpoint.id, { headers: checkHeaders(body.headers) }, deps.clock());
    return reply.code(204).send();
  });

  app.patch<EndpointParams>('/api/v1/app/:app_id/endpoint/:endpoint_id/headers', async (request, reply) => {
    const body = parse(z.object({ headers: z.record(z.string(), z.string().nullable()) }), request.body, 'body');
    const { app: application, endpoint } = await requireEndpoint(deps, request.params.app_id, request.params.endpoint_id);
    const merged: Record<string, string> = { ...endpoint.headers };
    for (const [name, value] of Object.entries(body.headers)) {
      if (value === null) delete merged[name];
      else merged[name] = value;
    }
    const headers = checkHeaders(parse(headersSchema, merged, 'body'));
    await deps.store.updateEndpoint(application.id, endpoint.id, { headers }, deps.clock());
    return reply.code(204).send();
  });

  app.get<EndpointParams>('/api/v1/app/:app_id/endpoint/:endpoint_id/secret', async (request) => {
    const { endpoint } = await requireEndpoint(deps, request.params.app_id, request.params.endpoint_id);
    const [current] = await deps.store.getEndpointSecrets(endpoint.id, deps.clock());
    if (!current) throw new NotFoundError('Endpoint secret');
    // Receivers of an ed25519 endpoint need only its public key; the private one never leaves Herald.
    return { key: isEd25519Secret(current.key) ? ed25519PublicKeyOf(current.key) : current.key };
  });

  app.post<EndpointParams>('/api/v1/app/:app_id/endpoint/:endpoint_id/secret/rotate', async (request, reply) => {
    const body = parse(z.object({
      key: endpointSecret.nullish(),
      gracePeriodSeconds: z.number().int().min(0).max(604_800).nullish(),
    }), request.body ?? {}, 'body');
    const { endpoint } = await requireEndpoint(deps, request.params.app_id, request.params.endpoint_id);
    const key = body.key ? normaliseSecret(body.key) : generateSecret();
    await deps.store.rotateEndpointSecret(endpoint.id, key, (body.gracePeriodSeconds ?? 86_400) * 1000, deps.clock());
    return reply.code(204).send();
  });

  app.get<EndpointParams>('/api/v1/app/:app_id/endpoint/:endpoint_id/stats', async (request) => {
    const query = parse(z.object({ since: z.iso.datetime({ offset: true }).optional(), until: z.iso.datetime({ offset: true }).optional() }),
      request.query, 'query');
    const { app: application, endpoint } = await requireEndpoint(deps, request.params.app_id, request.params.endpoint_id);
    const stats = await deps.store.endpointStats(application.id, endpoint.id, msOf(query.since) ?? null, msOf(query.until) ?? null);
    return { ...stats, canceled: 0 };
  });

  app.post<EndpointParams>('/api/v1/app/:app_id/endpoint/:endpoint_id/recover', async (request, reply) => {
    const body = parse(z.object({ since: z.iso.datetime({ offset: true }), until: z.iso.datetime({ offset: true }).nullish() }),
      request.body, 'body');
    const { app: application, endpoint } = await requireEndpoint(deps, request.params.app_id, request.params.endpoint_id);
    const now = deps.clock();
    const count = await deps.store.recoverEndpoint(application.id, endpoint.id, Date.parse(body.since),
      body.until ? Date.parse(body.until) : null, now);
    deps.queueChanged();
    request.log.info({ endpointId: endpoint.id, count }, 'recovering failed messages');
    return reply.code(202).send({ id: newId('task', now).replace('task_', 'qtask_'), status: 'finished', task: 'endpoint.recover', updatedAt: iso(now) });
  });
}

/** The filter change a PUT or PATCH asks for; nothing when the request leaves the field out. */
function withFilter(endpoint: Endpoint, body: { filter?: unknown }): Pick<EndpointChanges, 'filter'> {
  const filter = payloadFilterChange(body);
  return filter === undefined ? {} : { filter: withPayloadFilter(endpoint.filter, filter) };
}

function checkHeaders(headers: Record<string, string>): Record<string, string> {
  const reserved = Object.keys(headers).filter((name) => RESERVED_HEADERS.has(name.toLowerCase()));
  if (reserved.length > 0) {
    throw ValidationError.single(['body', 'headers'], `these headers are set by Herald and cannot be overridden: ${reserved.join(', ')}`);
  }
  return headers;
}
