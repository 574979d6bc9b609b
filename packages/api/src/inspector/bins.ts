import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NotFoundError, newId, type InspectorBin } from '@herald/core';
import type { ApiDeps } from '../deps.ts';
import { iso } from '../schemas/common.ts';
import { parse } from '../validation.ts';

/** Captures a bin keeps; older ones are dropped as new ones arrive. */
export const CAPTURES_PER_BIN = 100;
const DAY_SECONDS = 86_400;

const binIn = z.object({
  /** How long the bin lives; 7 days unless asked otherwise. */
  ttlSeconds: z.number().int().min(1).max(30 * DAY_SECONDS).default(7 * DAY_SECONDS),
});

/** 32 random bytes: the token is the only credential of /in and /inspect, so it must not be guessable. */
const newToken = (): string => randomBytes(32).toString('base64url');

/** Where this Herald was reached, so the URLs it hands out work for the caller. */
export const baseUrl = (request: FastifyRequest): string => `${request.protocol}://${request.host}`;

export function binOut(bin: InspectorBin, base: string) {
  return {
    id: bin.id,
    token: bin.token,
    captureUrl: `${base}/in/${bin.token}`,
    pageUrl: `${base}/inspect/${bin.token}`,
    createdAt: iso(bin.createdAt),
    expiresAt: iso(bin.expiresAt),
  };
}

/** The authenticated side of the inspector (Herald extension): mint, list and delete capture bins. */
export function registerInspectorBinRoutes(app: FastifyInstance, deps: ApiDeps): void {
  // The answer carries the bin's token (its only credential): never kept for Idempotency-Key replays.
  app.post('/api/v1/inspector', { config: { carriesSecret: true } }, async (request, reply) => {
    const body = parse(binIn, request.body ?? {}, 'body');
    const now = deps.clock();
    // Expired bins go whenever a new one is made: no timer to run, and they are unreachable anyway.
    await deps.store.purgeInspectorBins(now);
    const bin: InspectorBin = { id: newId('inbin', now), token: newToken(), createdAt: now, expiresAt: now + body.ttlSeconds * 1000 };
    await deps.store.createInspectorBin(bin);
    return reply.code(201).send(binOut(bin, baseUrl(request)));
  });

  app.get('/api/v1/inspector', async (request) => {
    const bins = await deps.store.listInspectorBins(deps.clock());
    return { data: bins.map((bin) => binOut(bin, baseUrl(request))), iterator: null, prevIterator: null, done: true };
  });

  app.delete<{ Params: { bin_id: string } }>('/api/v1/inspector/:bin_id', async (request, reply) => {
    if (!(await deps.store.deleteInspectorBin(request.params.bin_id))) throw new NotFoundError('Inspector bin');
    return reply.code(204).send();
  });
}
