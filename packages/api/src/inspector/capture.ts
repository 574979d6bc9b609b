import type { FastifyRequest } from 'fastify';
import type { InspectorBin } from '@herald/core';
import type { ApiDeps } from '../deps.ts';
import { CAPTURES_PER_BIN } from './bins.ts';

/**
 * Stores one request to `/in/<token>` (or below it) whose token is an inspector bin's: any method,
 * any content type, the body kept as bytes, repeated headers as sent. The route itself is the
 * inbound gateway's (inbound/receive-route.ts), which owns `/in/` and its catch-all body reader
 * and hands bin tokens here.
 */
export async function captureToBin(deps: ApiDeps, request: FastifyRequest, bin: InspectorBin, body: Buffer): Promise<{ captured: true }> {
  const raw = request.raw.rawHeaders;
  const headers: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) headers.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  await deps.store.addInspectorCapture({
    binId: bin.id,
    method: request.method,
    path: request.url,
    headers,
    body,
    sourceIp: request.ip,
    receivedAt: deps.clock(),
  }, CAPTURES_PER_BIN);
  return { captured: true };
}
