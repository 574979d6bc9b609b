import { PayloadTooLargeError, WebhookVerificationError } from '../errors.ts';
import { parseEvent, type EventMap, type WebhookEvent } from '../event.ts';
import type { HeaderSource } from '../headers.ts';
import { createVerifier, type VerifierOptions } from '../verify.ts';
import { runOnce, type DedupeOptions } from '../dedupe/deduplicate.ts';

export interface ReceiverOptions<Events extends EventMap, Context> extends VerifierOptions {
  /** `whsec_` secret(s) and/or `whpk_` public key(s) of the endpoint. */
  secret: string | readonly string[];
  onEvent: (event: WebhookEvent<Events>, context: Context) => Promise<void> | void;
  /** Process each webhook-id once (see DedupeOptions). Without it, every delivery runs onEvent. */
  dedupe?: DedupeOptions;
  /** Larger bodies are refused with 413. Default 1 MiB, Herald's own limit. */
  maxBodyBytes?: number;
  /** Told about a throw from onEvent (the sender gets a 500 and retries). Default: console.error. */
  onError?: (error: unknown, context: Context) => void;
}

/** What every adapter sends back: a small JSON body, an RFC 9457 problem for refusals. */
export interface ReceiverResponse {
  status: number;
  contentType: 'application/json' | 'application/problem+json';
  body: string;
}

export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

function problem(status: number, code: string, title: string, detail: string): ReceiverResponse {
  return { status, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title, status, code, detail }) };
}

function accepted(duplicate: boolean): ReceiverResponse {
  return { status: 200, contentType: 'application/json', body: JSON.stringify(duplicate ? { received: true, duplicate } : { received: true }) };
}

/** The framework-neutral part: verify, parse, de-duplicate, run the handler, choose the answer. */
export function createWebhookProcessor<Events extends EventMap, Context>(options: ReceiverOptions<Events, Context>) {
  const verify = createVerifier(options.secret, options);
  const onError = options.onError ?? ((error: unknown) => console.error('webhook handler failed', error));
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  return {
    maxBodyBytes,
    async process(body: Uint8Array | string, headers: HeaderSource, context: Context): Promise<ReceiverResponse> {
      let event: WebhookEvent<Events>;
      try {
        if (Buffer.byteLength(body) > maxBodyBytes) throw new PayloadTooLargeError(maxBodyBytes);
        event = parseEvent<Events>(verify(body, headers));
      } catch (error) {
        if (error instanceof WebhookVerificationError) return refusal(error);
        throw error;
      }
      try {
        if (!options.dedupe) {
          await options.onEvent(event, context);
          return accepted(false);
        }
        const outcome = await runOnce(options.dedupe, event.id, () => options.onEvent(event, context));
        if (outcome.status === 'in-progress') {
          return problem(409, 'in_progress', 'Conflict', `webhook ${event.id} is being processed by another request; retry later`);
        }
        return accepted(outcome.status === 'duplicate');
      } catch (error) {
        onError(error, context);
        return problem(500, 'handler_failed', 'Internal Server Error', 'the webhook handler failed; retry later');
      }
    },
  };
}

export function refusal(error: WebhookVerificationError): ReceiverResponse {
  const titles: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 413: 'Content Too Large' };
  return problem(error.status, error.code, titles[error.status] ?? 'Bad Request', error.message);
}
