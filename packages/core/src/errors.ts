/**
 * Herald's error classes. Each has a stable `code` (Svix's HttpErrorOut.code on the wire) and an
 * HTTP status; the API maps them to RFC 9457 problem responses in one place (api/src/problem.ts).
 */
export type ErrorCode =
  | 'bad_request'
  | 'invalid_data'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'validation'
  | 'idempotency_mismatch'
  | 'rate_limited'
  | 'unavailable';

export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export class HeraldError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends HeraldError {
  constructor(message: string) {
    super('bad_request', 400, message);
  }
}

/**
 * A value the database refused as data (PostgreSQL's SQLSTATE class 22: a NUL in text, a number
 * out of its column's range, malformed JSON for a jsonb column). The request is at fault, not the
 * server: a 400, so that no client retries it as it would a 5xx. The API refuses such values
 * before they reach storage; this is the net under that check.
 */
export class InvalidDataError extends HeraldError {
  constructor(message = 'The request holds a value that cannot be stored (such as U+0000 in text, or a number out of range).') {
    super('invalid_data', 400, message);
  }
}

export class UnauthorizedError extends HeraldError {
  constructor(message = 'Missing or invalid bearer token.') {
    super('unauthorized', 401, message);
  }
}

export class NotFoundError extends HeraldError {
  constructor(what: string) {
    super('not_found', 404, `${what} not found.`);
  }
}

export class ConflictError extends HeraldError {
  constructor(message: string) {
    super('conflict', 409, message);
  }
}

export class PayloadTooLargeError extends HeraldError {
  constructor(limitBytes: number) {
    super('payload_too_large', 413, `Request body is larger than the limit of ${limitBytes} bytes.`);
  }
}

export class UnsupportedMediaTypeError extends HeraldError {
  constructor(message: string) {
    super('unsupported_media_type', 415, message);
  }
}

export class ValidationError extends HeraldError {
  constructor(readonly issues: ValidationIssue[]) {
    super('validation', 422, issues.map((issue) => `${issue.loc.join('.')}: ${issue.msg}`).join('; '));
  }

  static single(loc: (string | number)[], msg: string): ValidationError {
    return new ValidationError([{ loc, msg, type: 'value_error' }]);
  }
}

export class IdempotencyMismatchError extends HeraldError {
  constructor() {
    super('idempotency_mismatch', 422, 'This Idempotency-Key was already used with a different request.');
  }
}

export class UnavailableError extends HeraldError {
  constructor(message = 'Storage is unavailable; the request was not accepted. Retry later.') {
    super('unavailable', 503, message);
  }
}

export class ForbiddenError extends HeraldError {
  constructor(message = 'This token may not do that.') {
    super('forbidden', 403, message);
  }
}

export class RateLimitedError extends HeraldError {
  constructor(readonly retryAfterSeconds: number) {
    super('rate_limited', 429, `Too many requests for this token; retry after ${retryAfterSeconds} s.`);
  }
}
