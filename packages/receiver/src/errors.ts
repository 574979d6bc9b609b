/**
 * Every way a delivery can be refused, each with a stable `code` (for logs and problem bodies) and
 * the HTTP status a receiver should answer with: 4xx tells the sender the request itself was wrong.
 */
export abstract class WebhookVerificationError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
}

export class MissingHeadersError extends WebhookVerificationError {
  readonly code = 'missing_headers';
  readonly status = 400;
  constructor(readonly missing: string[]) {
    super(`missing required headers: ${missing.join(', ')}`);
  }
}

export class InvalidHeadersError extends WebhookVerificationError {
  readonly code = 'invalid_headers';
  readonly status = 400;
}

export class InvalidSignatureError extends WebhookVerificationError {
  readonly code = 'invalid_signature';
  readonly status = 401;
  constructor() {
    super('no signature matches any of the configured keys');
  }
}

export class TimestampOutOfToleranceError extends WebhookVerificationError {
  readonly code = 'timestamp_out_of_tolerance';
  readonly status = 401;
  constructor(readonly timestamp: number, readonly now: number, readonly toleranceSeconds: number) {
    super(`webhook-timestamp ${timestamp} is more than ${toleranceSeconds} s from now (${now})`);
  }
}

export class InvalidPayloadError extends WebhookVerificationError {
  readonly code = 'invalid_payload';
  readonly status = 400;
}

export class PayloadTooLargeError extends WebhookVerificationError {
  readonly code = 'payload_too_large';
  readonly status = 413;
  constructor(readonly limitBytes: number) {
    super(`the body is larger than ${limitBytes} bytes`);
  }
}

/** A key the receiver was configured with is malformed: a programming error, raised at set-up. */
export class InvalidKeyError extends Error {
  readonly code = 'invalid_key';
}
