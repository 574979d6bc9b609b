import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError, type InspectorBin } from '@herald/core';
import type { ApiDeps } from '../deps.ts';
import { CAPTURES_PER_BIN } from './bins.ts';

type CaptureRequest = FastifyRequest<{ Params: { token: string } }>;

declare module 'fastify' {
  interface FastifyRequest {
    inspectorBin: InspectorBin | undefined;
  }
}

/**
 * `/in/<token>` and anything below it: any method, any content type, the body kept as bytes. It
 * lives in its own plugin so that its catch-all body parser does not loosen the API's JSON-only rule.
 */
export function registerCaptureRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.decorateRequest('inspectorBin', undefined);
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    // Fastify enforces the limit while reading: a declared length over it is refused before any
    // byte is read, and a chunked body is cut off as soon as it passes it.
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.maxBodyBytes }, (_request, body, done) => done(null, body));

    // The bin is looked up before the body is read, so an unknown token costs no upload.
    scope.addHook('onRequest', async (request: CaptureRequest) => {
      const bin = await deps.store.getInspectorBin(request.params.token, deps.clock());
      if (!bin) throw new NotFoundError('Inspector bin');
      request.inspectorBin = bin;
    });

    const capture = async (request: CaptureRequest, reply: FastifyReply) => {
      const raw = request.raw.rawHeaders;
      const headers: Array<[string, string]> = [];
      for (let i = 0; i + 1 < raw.length; i += 2) headers.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
      await deps.store.addInspectorCapture({
        binId: request.inspectorBin!.id,
        method: request.method,
        path: request.url,
        headers,
        body: Buffer.isBuffer(request.body) ? request.body : new Uint8Array(0),
        sourceIp: request.ip,
        receivedAt: deps.clock(),
      }, CAPTURES_PER_BIN);
      return reply.code(200).send({ captured: true });
    };
    scope.all('/in/:token', capture);
    scope.all('/in/:token/*', capture);
  });
}
