import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { HeraldError, ValidationError } from '@herald/core';

/**
 * The one place errors become responses: RFC 9457 problem documents that are also Svix's error
 * shapes (HttpErrorOut `{code, detail}`; HTTPValidationError `{detail: [{loc, msg, type}]}` on 422).
 * Anything unexpected is logged and answered with a bare 500, never with its stack or message.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string | ValidationError['issues'];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 413: 'Content Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content',
  429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

export function problemFor(status: number, code: string, detail: Problem['detail']): Problem {
  return { type: `urn:herald:problem:${code}`, title: TITLES[status] ?? 'Error', status, code, detail };
}

export function toProblem(error: unknown): Problem | undefined {
  if (error instanceof ValidationError) return problemFor(422, error.code, error.issues);
  if (error instanceof HeraldError) return problemFor(error.status, error.code, error.message);
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return problemFor(status, fastifyErrorCode(fastifyError.code, status), fastifyMessage(fastifyError, status));
  }
  return undefined;
}

function fastifyErrorCode(code: string | undefined, status: number): string {
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media_type';
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'invalid_json';
  return 'bad_request';
}

function fastifyMessage(error: Partial<FastifyError>, status: number): string {
  if (status === 413) return 'Request body is larger than the configured limit (HERALD_MAX_BODY_BYTES).';
  if (status === 415) return 'Send the request body as application/json.';
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'The request body is empty; send a JSON object.';
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) return 'The request body is not valid JSON.';
  return error.message ?? 'Bad request.';
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  // A 503 is temporary by definition: tell clients (and the Svix SDKs' retry loop) when to come back.
  if (problem.status === 503) reply.header('retry-after', '5');
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const problem = toProblem(error);
  if (problem) {
    if (problem.status >= 500) request.log.warn({ code: problem.code, err: (error as Error).cause }, problem.title);
    return sendProblem(reply, problem);
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendProblem(reply, problemFor(500, 'internal', 'Something went wrong on our side; it has been logged.'));
}
