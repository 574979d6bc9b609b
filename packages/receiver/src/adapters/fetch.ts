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
    const body = await readCapped(request, processor.maxBodyBytes);
    if (body instanceof PayloadTooLargeError) return toResponse(refusal(body));
    return toResponse(await processor.process(body, request.headers, request));
  };
}

/** The body's bytes; past `limit` the rest is not read (a chunked body has no length to check first). */
export async function readCapped(request: Request, limit: number): Promise<Uint8Array | PayloadTooLargeError> {
  if (Number(request.headers.get('content-length') ?? 0) > limit) return new PayloadTooLargeError(limit);
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > limit) return new PayloadTooLargeError(limit); // leaving the loop cancels the stream
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

export function toResponse(answer: ReceiverResponse): Response {
  return new Response(answer.body, { status: answer.status, headers: { 'content-type': answer.contentType } });
}
