import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '@herald/core';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Bearer-token check. Only the token's SHA-256 is kept, and comparison is constant-time, so neither
 * a database dump nor response timing gives the token away. Returns the hash: it names the caller
 * for scoping Idempotency-Keys.
 */
export function authenticate(request: FastifyRequest, adminTokenSha256: string): string {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!match) throw new UnauthorizedError();
  const presented = Buffer.from(sha256Hex(match[1]!), 'hex');
  const expected = Buffer.from(adminTokenSha256, 'hex');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    throw new UnauthorizedError('Invalid bearer token.');
  }
  return adminTokenSha256;
}
