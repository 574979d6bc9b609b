import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { NotFoundError, type InspectorBin, type InspectorCapture } from '@herald/core';
import type { ApiDeps } from '../deps.ts';
import { iso } from '../schemas/common.ts';
import { parse } from '../validation.ts';
import { baseUrl, binOut, CAPTURES_PER_BIN } from './bins.ts';

const asset = (name: string): string => readFileSync(new URL(`./page/${name}`, import.meta.url), 'utf8');
const PAGE = { html: asset('index.html'), script: asset('inspector.js'), style: asset('inspector.css') };

/**
 * Captured requests come from anyone who knows the URL, so the page treats them as hostile: it
 * renders them as text only, and this policy forbids any script, style or connection but its own.
 */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
  + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function hardened(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    // The page's URL holds the token: never hand it to another site, never let it be cached or indexed.
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .header('x-robots-tag', 'noindex')
    .header('x-content-type-options', 'nosniff');
}

function captureOut(capture: InspectorCapture) {
  return {
    seq: capture.seq,
    method: capture.method,
    path: capture.path,
    headers: capture.headers,
    bodyBase64: Buffer.from(capture.body.buffer, capture.body.byteOffset, capture.body.byteLength).toString('base64'),
    sourceIp: capture.sourceIp,
    receivedAt: iso(capture.receivedAt),
  };
}

type TokenParams = { Params: { token: string } };

/** `/inspect/<token>`: the live page and the JSON it polls. The token is the credential. */
export function registerInspectorPageRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const requireBin = async (token: string): Promise<InspectorBin> => {
    const bin = await deps.store.getInspectorBin(token, deps.clock());
    if (!bin) throw new NotFoundError('Inspector bin');
    return bin;
  };

  app.get('/inspect/assets/inspector.js', async (_request, reply) =>
    hardened(reply).type('text/javascript; charset=utf-8').send(PAGE.script));
  app.get('/inspect/assets/inspector.css', async (_request, reply) =>
    hardened(reply).type('text/css; charset=utf-8').send(PAGE.style));

  app.get<TokenParams>('/inspect/:token', async (request, reply) => {
    await requireBin(request.params.token);
    return hardened(reply).type('text/html; charset=utf-8').send(PAGE.html);
  });

  app.get<TokenParams>('/inspect/:token/requests', async (request, reply) => {
    const query = parse(z.object({ after: z.coerce.number().int().min(0).default(0) }), request.query, 'query');
    const bin = await requireBin(request.params.token);
    const captures = await deps.store.listInspectorCaptures(bin.id, query.after, CAPTURES_PER_BIN);
    hardened(reply);
    return { bin: binOut(bin, baseUrl(request)), data: captures.map(captureOut) };
  });
}
