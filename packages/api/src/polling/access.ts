import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { NotFoundError, type ApiToken, type PollingEndpoint } from '@herald/core';
import type { Store } from '@herald/storage';
import { sha256Hex } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { requireApp } from '../deps.ts';

/** A polling endpoint's read-only token starts so; authentication looks such a token up among polling endpoints. */
export const POLLER_TOKEN_PREFIX = 'pollsk_';

/** A new token for a polling endpoint: the token itself, shown once, and the hash that is kept. */
export function newPollerToken(): { token: string; sha256: string } {
  const token = POLLER_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, sha256: sha256Hex(token) };
}

/**
 * A polling endpoint's token acts as an application token with the read scope, confined further to
 * that one endpoint's read routes (see authorize). Its id is the endpoint's, so the audit log names it.
 */
export function pollerTokenRecord(poller: PollingEndpoint): ApiToken {
  return {
    id: poller.id, kind: 'application', appId: poller.appId, scopes: ['read'], featureFlags: [],
    description: `polling endpoint ${poller.id}`, tokenSha256: poller.tokenSha256, expiresAt: null, revokedAt: null,
    createdAt: poller.createdAt, lastUsedAt: null,
  };
}

/** The application and polling endpoint a path names; 404 for either missing. */
export async function requirePoller(deps: ApiDeps, appIdOrUid: string, sinkId: string): Promise<PollingEndpoint> {
  const app = await requireApp(deps, appIdOrUid);
  const poller = await deps.store.getPollingEndpoint(app.id, sinkId);
  if (!poller) throw new NotFoundError('Polling endpoint');
  return poller;
}

const POLLER = '/api/v1/app/:app_id/poller/:sink_id';
/** All a polling endpoint's token may do: read its endpoint, and move its consumers. */
const POLLER_TOKEN_ROUTES = new Set([
  `GET ${POLLER}`, `GET ${POLLER}/stream`, `GET ${POLLER}/consumer/:consumer_id`, `POST ${POLLER}/consumer/:consumer_id/seek`,
]);

/**
 * A polling endpoint's token reaches its own endpoint's read routes and nothing else; anything
 * else is the same 404 an unknown route gets, so it learns nothing about what else exists.
 */
export async function authorizePollerToken(token: ApiToken, pollerId: string, route: string, request: FastifyRequest, store: Store): Promise<void> {
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const notFound = new NotFoundError(`Route ${request.method} ${request.url.split('?', 1)[0]}`);
  if (!POLLER_TOKEN_ROUTES.has(`${method} ${route}`)) throw notFound;
  const { app_id: appIdOrUid, sink_id: sinkId } = request.params as { app_id: string; sink_id: string };
  const application = await store.getApplication(appIdOrUid);
  if (!application || application.id !== token.appId) throw new NotFoundError('Application');
  const poller = await store.getPollingEndpoint(application.id, sinkId);
  if (!poller || poller.id !== pollerId) throw new NotFoundError('Polling endpoint');
}
