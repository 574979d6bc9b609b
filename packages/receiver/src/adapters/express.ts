import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { PayloadTooLargeError } from '../errors.ts';
import type { EventMap } from '../event.ts';
import { createWebhookProcessor, refusal, type ReceiverOptions, type ReceiverResponse } from './handle.ts';

/**
 * Express middleware answering the webhook itself: `app.post('/webhooks', webhookMiddleware({...}))`.
 * It needs the exact bytes: either mount it where no JSON parser ran (it then reads the stream), or
 * behind `express.raw({ type: '*\/*' })`. A body already parsed into an object cannot be verified
 * (re-serialising JSON changes bytes), so that set-up is answered with a 500 naming the mistake.
 */
export function webhookMiddleware<Events extends EventMap = EventMap>(options: ReceiverOptions<Events, Request>): RequestHandler {
  const processor = createWebhookProcessor(options);
  return (request: Request, response: Response, next: NextFunction) => {
    rawBody(request, processor.maxBodyBytes)
      .then((body) => (body instanceof Error ? refusal(body) : processor.process(body, request.headers, request)))
      .then((answer) => send(response, answer))
      .catch(next);
  };
}

function send(response: Response, answer: ReceiverResponse): void {
  response.status(answer.status).type(answer.contentType).send(answer.body);
}

async function rawBody(request: Request, limit: number): Promise<Buffer | PayloadTooLargeError> {
  if (Buffer.isBuffer(request.body)) return request.body;
  if (request.body !== undefined && request.readableEnded) {
    throw new Error('the webhook body was already parsed; mount webhookMiddleware before express.json(), or use express.raw()');
  }
  if (Number(request.headers['content-length'] ?? 0) > limit) return new PayloadTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return new PayloadTooLargeError(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
