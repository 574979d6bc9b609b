import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { IP_ALLOWLIST_PRESETS, NotFoundError, ValidationError, newId, parseCidrList, validateSourceConfig } from '@herald/core';
import { newSourceToken, type InboundSource, type NewSource } from '@herald/storage';
import type { ApiDeps } from '../../deps.ts';
import { listQuery } from '../../schemas/common.ts';
import { parse } from '../../validation.ts';
import { requireSource } from '../require.ts';
import { ingestUrlOf, sourceIn, sourceOut, tokenRotateIn, type SourceIn } from '../schemas/source.ts';

type SourceParams = { Params: { source_id: string } };

/** 192 bits of randomness, base64url: unguessable, and safe in a URL path as it is. */
export function newIngestToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The token rotation's default grace, the same as an endpoint secret rotation's (24 h). */
const DEFAULT_GRACE_SECONDS = 86_400;
/** The current secret fields of a config: what a client cannot read back, so need not resend on PUT. */
const CURRENT_SECRET_FIELDS = ['secret', 'password', 'key'];
/** The response of a route holds a token, so the idempotency store must not keep it. */
const carriesToken = { config: { carriesSecret: true } };

type SourceFields = Pick<NewSource, 'type' | 'config' | 'disabled' | 'allowedCidrs' | 'rateLimit' | 'response' | 'dedupe'>;

/**
 * Validates a source body into stored fields. Extensions left out keep `existing`'s values (on
 * create: the defaults), since the svix SDK sends none of them and an update through it must not
 * reset them; null clears.
 */
function sourceFields(body: SourceIn, existing: InboundSource | undefined): SourceFields {
  let config = body.config;
  // A get-then-put round trip must not wipe the secret: the Out never shows it.
  if (existing && existing.type === body.type && isObject(config)) {
    const kept = { ...config };
    for (const field of CURRENT_SECRET_FIELDS) {
      if (!(field in kept) && existing.config[field] !== undefined) kept[field] = existing.config[field];
    }
    config = kept;
  }
  const validated = validateSourceConfig(body.type, config);
  if (!validated.ok) {
    throw new ValidationError(validated.problems.map((problem) => ({ loc: ['body', ...problem.loc], msg: problem.msg, type: 'value_error' })));
  }
  return {
    type: body.type,
    config: validated.config as Record<string, unknown>,
    disabled: body.disabled ?? existing?.disabled ?? false,
    allowedCidrs: body.allowedIps === undefined && body.ipPreset === undefined
      ? existing?.allowedCidrs ?? null
      : allowedCidrsOf(body.allowedIps ?? null, body.ipPreset ?? null),
    rateLimit: body.rateLimit === undefined ? existing?.rateLimit ?? null : body.rateLimit,
    response: body.response === undefined ? existing?.response ?? null : body.response,
    dedupe: body.dedupe === undefined ? existing?.dedupe ?? null : body.dedupe,
  };
}

/** The preset's ranges and the listed ones, checked and de-duplicated; none at all is "any address". */
function allowedCidrsOf(allowedIps: string[] | null, ipPreset: string | null): string[] | null {
  const cidrs: string[] = [];
  if (ipPreset !== null) {
    const preset = Object.hasOwn(IP_ALLOWLIST_PRESETS, ipPreset) ? IP_ALLOWLIST_PRESETS[ipPreset] : undefined;
    if (!preset) {
      throw ValidationError.single(['body', 'ipPreset'], `unknown preset "${ipPreset}"; known: ${Object.keys(IP_ALLOWLIST_PRESETS).join(', ')}`);
    }
    cidrs.push(...preset);
  }
  const listed = (allowedIps ?? []).map((entry) => entry.trim());
  const parsed = parseCidrList(listed);
  if (!parsed.ok) throw ValidationError.single(['body', 'allowedIps'], `"${parsed.bad}" is not an IP address or CIDR block`);
  cidrs.push(...listed);
  return cidrs.length > 0 ? [...new Set(cidrs)] : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function registerSourceRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const out = async (source: InboundSource) => {
    const [current] = await deps.store.getSourceTokens(source.id, deps.clock());
    return sourceOut(source, current ? ingestUrlOf(deps.publicUrl(), current.token) : null);
  };

  app.get('/ingest/api/v1/source', async (request) => {
    const query = parse(listQuery, request.query, 'query');
    const page = await deps.store.listSources(query);
    return { ...page, data: await Promise.all(page.data.map(out)) };
  });

  app.post('/ingest/api/v1/source', carriesToken, async (request, reply) => {
    const body = parse(sourceIn, request.body, 'body');
    const created = await deps.store.createSource({
      id: newId('src'),
      appId: newId('app'),
      uid: body.uid ?? null,
      name: body.name,
      metadata: body.metadata,
      ...sourceFields(body, undefined),
    }, newSourceToken(newIngestToken()), deps.clock());
    return reply.code(201).send(await out(created));
  });

  app.get<SourceParams>('/ingest/api/v1/source/:source_id', async (request) =>
    out(await requireSource(deps, request.params.source_id)));

  app.put<SourceParams>('/ingest/api/v1/source/:source_id', async (request) => {
    const body = parse(sourceIn, request.body, 'body');
    const existing = await requireSource(deps, request.params.source_id);
    const updated = await deps.store.updateSource(existing.id, {
      uid: body.uid ?? null,
      name: body.name,
      metadata: body.metadata,
      ...sourceFields(body, existing),
    }, deps.clock());
    return out(updated);
  });

  app.delete<SourceParams>('/ingest/api/v1/source/:source_id', async (request, reply) => {
    const existing = await requireSource(deps, request.params.source_id);
    if (!(await deps.store.deleteSource(existing.id))) throw new NotFoundError('Ingest source');
    return reply.code(204).send();
  });

  app.post<SourceParams>('/ingest/api/v1/source/:source_id/token/rotate', carriesToken, async (request) => {
    const body = parse(tokenRotateIn, request.body ?? {}, 'body');
    const source = await requireSource(deps, request.params.source_id);
    const token = newIngestToken();
    await deps.store.rotateSourceToken(source.id, newSourceToken(token), (body.gracePeriodSeconds ?? DEFAULT_GRACE_SECONDS) * 1000, deps.clock());
    return { ingestUrl: ingestUrlOf(deps.publicUrl(), token) };
  });
}
