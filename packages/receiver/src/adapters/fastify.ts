import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { PayloadTooLargeError } from '../errors.ts';
import type { EventMap } from '../event.ts';
import { createWebhookProcessor, refusal, type ReceiverOptions, type ReceiverResponse } from './handle.ts';

export type FastifyWebhookOptions<Events extends EventMap> = ReceiverOptions<Events, FastifyRequest> & {
  /** Route that receives the webhooks (POST). Default `/webhooks`. */
  path?: string;
};

/**
 * A Fastify plugin adding `POST path`. Inside the plugin's own (encapsulated) context every content
 * type is read as a Buffer, so the app's JSON parsing elsewhere is untouched and the signature is
 * checked over the exact bytes sent.
 */
export function webhookPlugin<Events extends EventMap = EventMap>(options: FastifyWebhookOptions<Events>): FastifyPluginAsync {
  const processor = createWebhookProcessor(options);
  return async (app: FastifyInstance) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: processor.maxBodyBytes }, (_request, body, done) => done(null, body));
    const send = (reply: FastifyReply, answer: ReceiverResponse) => reply.code(answer.status).type(answer.contentType).send(answer.body);
    // Fastify refuses an oversized body before the route runs; answered like the other adapters do.
    app.setErrorHandler((error: { statusCode?: number }, _request, reply) =>
      error.statusCode === 413 ? send(reply, refusal(new PayloadTooLargeError(processor.maxBodyBytes))) : reply.send(error));
    app.post(options.path ?? '/webhooks', async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      return send(reply, await processor.process(body, request.headers, request));
    });
  };
}
