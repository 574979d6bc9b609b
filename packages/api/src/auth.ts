import { hash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError, tokenUsable, type ApiToken } from '@herald/core';
import type { Store } from '@herald/storage';
import { POLLER_TOKEN_PREFIX, pollerTokenRecord } from './polling/access.ts';

export function sha256Hex(text: string): string {
  // The one-shot hash: every request's token goes through this, and it is a third of createHash's cost.
  return hash('sha256', text, 'hex');
}

/** Who is calling: the admin token, or a stored organisation or application token. */
export type Principal =
  | { kind: 'admin' }
  | { kind: 'organisation'; token: ApiToken }
  | { kind: 'application'; token: ApiToken; /** Set for a polling endpoint's token: confined to that endpoint's reads. */ pollerId?: string };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

/** last_used_at is written at most this often per token, so that reads stay reads. */
const TOUCH_INTERVAL_MS = 60_000;

export interface Authenticated {
  principal: Principal;
  /** Names the caller for scoping Idempotency-Keys and rate limits; never the token itself. */
  scope: string;
}

/**
 * Resolves the bearer token to a principal. Only SHA-256 hashes are compared or looked up, so
 * neither the database nor a log holds a usable token. Unknown, revoked and expired tokens are 401.
 */
export async function authenticate(request: FastifyRequest, adminTokenSha256: string, store: Store, now: number): Promise<Authenticated> {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!match) throw new UnauthorizedError();
  const presentedSha256 = sha256Hex(match[1]!);
  if (timingSafeEqual(Buffer.from(presentedSha256, 'hex'), Buffer.from(adminTokenSha256, 'hex'))) {
    return { principal: { kind: 'admin' }, scope: adminTokenSha256 };
  }
  if (match[1]!.startsWith(POLLER_TOKEN_PREFIX)) {
    const poller = await store.getPollingEndpointByTokenHash(presentedSha256);
    if (!poller) throw new UnauthorizedError('Invalid bearer token.');
    return { principal: { kind: 'application', token: pollerTokenRecord(poller), pollerId: poller.id }, scope: `poller:${poller.id}` };
  }
  const token = await store.getApiTokenByHash(presentedSha256);
  if (!token) throw new UnauthorizedError('Invalid bearer token.');
  const verdict = tokenUsable(token, now);
  if (!verdict.ok) throw new UnauthorizedError(`This token is ${verdict.reason}.`);
  if (token.lastUsedAt === null || now - token.lastUsedAt >= TOUCH_INTERVAL_MS) await store.touchApiToken(token.id, now);
  return { principal: { kind: token.kind, token }, scope: `token:${token.id}` };
}
