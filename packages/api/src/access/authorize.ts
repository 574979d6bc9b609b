import type { FastifyRequest } from 'fastify';
import { ForbiddenError, NotFoundError, type ApiToken, type EventType } from '@herald/core';
import type { Store } from '@herald/storage';
import type { Principal } from '../auth.ts';
import { authorizePollerToken } from '../polling/access.ts';

const APP_ROUTE = '/api/v1/app/:app_id';
/** What an application token may read outside its application: the event-type catalogue. */
const CATALOGUE_ROUTES = new Set(['/api/v1/event-type', '/api/v1/event-type/:event_type_name']);
/** Token management and the audit log belong to the admin token alone. */
const ADMIN_ROUTE_PREFIXES = ['/api/v1/auth/token', '/api/v1/audit'];
/** Any valid token may revoke itself. */
const SELF_ROUTES = new Set(['/api/v1/auth/logout']);

/**
 * The one access rule of the API, applied to every request before its handler. An application
 * token that steps outside its application gets exactly the 404 an absent application or an
 * unknown route gets, so it learns nothing about what else exists. An organisation token reaching
 * an admin route gets 403 (it knows those routes exist). A missing scope is 403.
 */
export async function authorize(principal: Principal, request: FastifyRequest, store: Store): Promise<void> {
  if (principal.kind === 'admin') return;
  const route = request.routeOptions.url;
  // No route matched: the not-found handler answers with the same 404 for everyone.
  if (route === undefined || SELF_ROUTES.has(route)) return;
  const reading = request.method === 'GET' || request.method === 'HEAD';

  if (principal.kind === 'organisation') {
    if (ADMIN_ROUTE_PREFIXES.some((prefix) => route.startsWith(prefix))) {
      throw new ForbiddenError('Only the admin token may manage tokens or read the audit log.');
    }
    return requireScope(principal.token, reading);
  }

  if (principal.pollerId !== undefined) return authorizePollerToken(principal.token, principal.pollerId, route, request, store);
  if (route === APP_ROUTE || route.startsWith(`${APP_ROUTE}/`)) {
    const { app_id: appIdOrUid } = request.params as { app_id: string };
    const application = await store.getApplication(appIdOrUid);
    if (!application || application.id !== principal.token.appId) throw new NotFoundError('Application');
    if (route === APP_ROUTE && !reading) throw new ForbiddenError('An application token cannot change or delete its application.');
    return requireScope(principal.token, reading);
  }
  if (reading && CATALOGUE_ROUTES.has(route)) return requireScope(principal.token, reading);
  throw new NotFoundError(`Route ${request.method} ${request.url.split('?', 1)[0]}`);
}

function requireScope(token: ApiToken, reading: boolean): void {
  const needed = reading ? 'read' : 'write';
  if (!token.scopes.includes(needed)) throw new ForbiddenError(`This token lacks the "${needed}" scope.`);
}

/** Svix's rule: an event type behind a feature flag is shown to an app-portal token only if the token carries that flag. */
export function eventTypeVisible(principal: Principal, type: EventType): boolean {
  return principal.kind !== 'application' || type.featureFlag === null || principal.token.featureFlags.includes(type.featureFlag);
}
