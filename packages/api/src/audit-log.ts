import type { FastifyInstance, FastifyRequest } from 'fastify';
import { newId, type AuditEntry } from '@herald/core';
import type { Principal } from './auth.ts';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const FLUSH_EVERY_MS = 200;
const FLUSH_AT_ENTRIES = 500;
/** A created resource's id is the first "id" of its response (every *Out schema starts with it). */
const CREATED_ID = /^\{"id":"([A-Za-z0-9_.\-]{1,256})"/;

declare module 'fastify' {
  interface FastifyRequest {
    auditCreatedId: string | undefined;
  }
}

/**
 * Appends an audit row for every authenticated mutating API call, whatever its outcome, from one
 * hook. Rows are written in batches (one transaction per batch, like ingest's group commit) so
 * that auditing adds no write per message; a crash can lose at most the last batch's rows.
 */
export function registerAuditLog(app: FastifyInstance, append: (entries: AuditEntry[]) => Promise<void>, clock: () => number): void {
  let pending: AuditEntry[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = async () => {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    await append(batch).catch((error: unknown) =>
      app.log.error({ err: error, entries: batch.length }, 'could not write audit log entries'));
  };

  app.decorateRequest('auditCreatedId', undefined);
  app.addHook('onSend', async (request, reply, payload) => {
    if (MUTATING.has(request.method) && reply.statusCode < 300 && typeof payload === 'string') {
      request.auditCreatedId = CREATED_ID.exec(payload)?.[1];
    }
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    if (!MUTATING.has(request.method) || !request.principal) return;
    pending.push(entryFor(request, request.principal, reply.statusCode, clock()));
    if (pending.length >= FLUSH_AT_ENTRIES) void flush();
    else timer ??= setTimeout(() => void flush(), FLUSH_EVERY_MS);
  });
  app.addHook('onClose', flush);
}

function entryFor(request: FastifyRequest, principal: Principal, status: number, now: number): AuditEntry {
  const resourceIds: Record<string, string> = { ...(request.params as Record<string, string> | undefined) };
  if (request.auditCreatedId) resourceIds.id = request.auditCreatedId;
  return {
    id: newId('audit', now),
    at: now,
    actorKind: principal.kind,
    actorTokenId: principal.kind === 'admin' ? null : principal.token.id,
    method: request.method,
    route: request.routeOptions.url ?? request.url.split('?', 1)[0]!,
    resourceIds,
    status,
  };
}
