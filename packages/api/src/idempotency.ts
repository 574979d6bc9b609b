import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequestError, ConflictError, IdempotencyMismatchError } from '@herald/core';
import type { IdempotencyRecord, Store } from '@herald/storage';

/** Keys are kept this long, as Stripe does. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

export interface IdempotencyClaim {
  scope: string;
  key: string;
  requestHash: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The response holds a token or secret, so it is not kept for replay (the database would hold it). */
    carriesSecret?: boolean;
  }
  interface FastifyRequest {
    rawBody: string | undefined;
    callerScope: string;
    idempotency: IdempotencyClaim | null;
    /** Set by a route that stored its response inside its own transaction. */
    idempotencySaved: boolean;
  }
}

/**
 * Stripe's Idempotency-Key semantics for every POST: the same key with the same request replays
 * the first response; with a different request it is a 422; while the first is still running, 409.
 * Keys are scoped to the caller's token. Responses of 5xx are not kept, so those can be retried.
 */
export function registerIdempotency(app: FastifyInstance, store: Store, clock: () => number): void {
  const inFlight = new Set<string>();
  app.decorateRequest('idempotency', null);
  app.decorateRequest('idempotencySaved', false);

  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || typeof key !== 'string' || key.length === 0) return;
    // Only the API: a request captured by the inspector (/in/...) may carry any header, and is kept as sent.
    if (!request.url.startsWith('/api/')) return;
    // Node joins repeated headers with ", ": two keys would silently become a third one.
    if (headerCount(request, 'idempotency-key') > 1) throw new BadRequestError('Send one Idempotency-Key header, not several.');
    const claim: IdempotencyClaim = { scope: request.callerScope, key: key.slice(0, 256), requestHash: requestHash(request) };
    const previous = await store.getIdempotency(claim.scope, claim.key, clock() - IDEMPOTENCY_TTL_MS);
    if (previous) {
      if (previous.requestHash !== claim.requestHash) throw new IdempotencyMismatchError();
      return reply.code(previous.status).header('idempotent-replayed', 'true')
        .type('application/json').send(previous.body);
    }
    const slot = `${claim.scope}\0${claim.key}`;
    if (inFlight.has(slot)) throw new ConflictError('A request with this Idempotency-Key is still being processed.');
    inFlight.add(slot);
    request.idempotency = claim;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotency;
    if (!claim || request.idempotencySaved || reply.statusCode >= 500 || request.routeOptions.config.carriesSecret) return payload;
    await store.saveIdempotency({ ...claim, status: reply.statusCode, body: typeof payload === 'string' ? payload : '', createdAt: clock() });
    return payload;
  });

  app.addHook('onResponse', async (request) => {
    const claim = request.idempotency;
    if (claim) inFlight.delete(`${claim.scope}\0${claim.key}`);
  });
}

function headerCount(request: FastifyRequest, name: string): number {
  let count = 0;
  const raw = request.raw.rawHeaders;
  for (let index = 0; index < raw.length; index += 2) if (raw[index]!.toLowerCase() === name) count++;
  return count;
}

export function requestHash(request: FastifyRequest): string {
  return createHash('sha256').update(`${request.method} ${request.url}\n`).update(request.rawBody ?? '').digest('hex');
}

export function idempotencyRecord(claim: IdempotencyClaim, status: number, body: string, now: number): IdempotencyRecord {
  return { ...claim, status, body, createdAt: now };
}
