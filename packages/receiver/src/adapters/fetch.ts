import { PayloadTooLargeError } from '../errors.ts';
import type { EventMap } from '../event.ts';
import { createWebhookProcessor, refusal, type ReceiverOptions, type ReceiverResponse } from './handle.ts';

/**
 * A `(Request) => Response` handler: Next.js route handlers (`export const POST = ...`), Bun.serve,
 * Deno.serve, Cloudflare-style workers. The body is read once, as bytes, before anything parses it.
 */
export function createWebhookHandler<Events extends EventMap = EventMap>(
  options: ReceiverOptions<Events, Request>,
): (request: Request) => Promise<Response> {
  const processor = createWebhookProcessor(options);
  return async (request) => {
    const declared = Number(request.headers.get('content-length') ?? 0);
    if (declared > processor.maxBodyBytes) return toResponse(refusal(new PayloadTooLargeError(processor.maxBodyBytes)));
    const body = new Uint8Array(await request.arrayBuffer());
    return toResponse(await processor.process(body, request.headers, request));
  };
}

export function toResponse(answer: ReceiverResponse): Response {
  return new Response(answer.body, { status: answer.status, headers: { 'content-type': answer.contentType } });
}
