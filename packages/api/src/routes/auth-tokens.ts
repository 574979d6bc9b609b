import type { FastifyInstance } from 'fastify';
import { BadRequestError, NotFoundError, type TokenScope } from '@herald/core';
import { findOrCreateApp, type ApiDeps } from '../deps.ts';
import { issueToken } from '../access/issue-token.ts';
import { parse } from '../validation.ts';
import { listQuery } from '../schemas/common.ts';
import { throttleOf } from '../schemas/application.ts';
import { appPortalAccessIn, organisationTokenIn, tokenOut } from '../schemas/api-token.ts';

const APP_PORTAL_DEFAULT_EXPIRY_SECONDS = 7 * 86_400;
/** A response that carries a token is never kept for Idempotency-Key replay: the database would hold the token. */
const carriesToken = { config: { carriesSecret: true } };

type TokenParams = { Params: { token_id: string } };

/** Svix's app-portal access and logout, and Herald's organisation tokens and revocation. */
export function registerAuthTokenRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post<{ Params: { app_id: string } }>('/api/v1/auth/app-portal-access/:app_id', carriesToken, async (request) => {
    const body = parse(appPortalAccessIn, request.body ?? {}, 'body');
    const application = await findOrCreateApp(deps, request.params.app_id,
      body.application && { ...body.application, throttleRate: throttleOf(body.application) });
    if (!application) throw new NotFoundError('Application');
    const scopes: TokenScope[] = body.readOnly ? ['read'] : ['read', 'write'];
    const { token } = await issueToken(deps.store, {
      kind: 'application',
      appId: application.id,
      scopes,
      featureFlags: body.featureFlags,
      description: `app portal: ${application.uid ?? application.id}`,
      expiresInSeconds: body.expiry ?? APP_PORTAL_DEFAULT_EXPIRY_SECONDS,
    }, deps.clock());
    // The fragment never reaches a server log; the portal reads its application from it rather than
    // making an organisation-level call the token may not make.
    const fragment = new URLSearchParams({ token, app: application.id });
    return { url: `${deps.publicUrl()}/ui/portal#${fragment}`, token };
  });

  app.post('/api/v1/auth/logout', async (request, reply) => {
    const principal = request.principal;
    if (principal.kind === 'admin') throw new BadRequestError('The admin token cannot be revoked; change HERALD_ADMIN_TOKEN instead.');
    await deps.store.revokeApiToken(principal.token.id, deps.clock());
    return reply.code(204).send();
  });

  app.post('/api/v1/auth/token', carriesToken, async (request, reply) => {
    const body = parse(organisationTokenIn, request.body ?? {}, 'body');
    const { token, record } = await issueToken(deps.store, {
      kind: 'organisation',
      appId: null,
      scopes: body.scopes as TokenScope[],
      featureFlags: [],
      description: body.description,
      expiresInSeconds: body.expiry ?? null,
    }, deps.clock());
    return reply.code(201).send({ ...tokenOut(record), token });
  });

  app.get('/api/v1/auth/token', async (request) => {
    const query = parse(listQuery, request.query, 'query');
    const page = await deps.store.listApiTokens(query);
    return { ...page, data: page.data.map(tokenOut) };
  });

  app.get<TokenParams>('/api/v1/auth/token/:token_id', async (request) => {
    const token = await deps.store.getApiToken(request.params.token_id);
    if (!token) throw new NotFoundError('Token');
    return tokenOut(token);
  });

  app.delete<TokenParams>('/api/v1/auth/token/:token_id', async (request, reply) => {
    if (!(await deps.store.revokeApiToken(request.params.token_id, deps.clock()))) throw new NotFoundError('Token');
    return reply.code(204).send();
  });
}
