import type { FastifyRequest } from 'fastify';
import { createScanner, type SyntaxKind } from 'jsonc-parser';
import { BadRequestError, UnsupportedMediaTypeError } from '@herald/core';

/**
 * Deeper JSON is refused with a 400. The parser itself copes with any depth, but answering with
 * such a value (JSON.stringify recurses) would overflow the stack; nothing real nests this deep.
 */
export const MAX_JSON_DEPTH = 1_000;

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The exact text of each top-level property value of a JSON object body, as sent. A message's
     * payload is stored and delivered as these bytes, not re-serialized: key order, whitespace,
     * escapes and numbers beyond double precision reach the receiver unchanged, and so does what
     * its signature covers.
     */
    rawJsonValues: ReadonlyMap<string, string> | undefined;
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** JSON text must be UTF-8 (RFC 8259); a lossy decode would store something other than what was sent. */
export function decodeJsonText(body: Buffer): string {
  try {
    return strictUtf8.decode(body);
  } catch {
    throw new BadRequestError('The request body is not valid UTF-8.');
  }
}

// jsonc-parser declares SyntaxKind as a const enum, which a type-stripping loader cannot read.
const TOKEN = {
  OpenBrace: 1 as SyntaxKind.OpenBraceToken, CloseBrace: 2 as SyntaxKind.CloseBraceToken,
  OpenBracket: 3 as SyntaxKind.OpenBracketToken, CloseBracket: 4 as SyntaxKind.CloseBracketToken,
  Comma: 5 as SyntaxKind.CommaToken, Colon: 6 as SyntaxKind.ColonToken,
  String: 10 as SyntaxKind.StringLiteral, EOF: 17 as SyntaxKind.EOF,
};
const OPENS = new Set<SyntaxKind>([TOKEN.OpenBrace, TOKEN.OpenBracket]);
const CLOSES = new Set<SyntaxKind>([TOKEN.CloseBrace, TOKEN.CloseBracket]);

/**
 * One pass of jsonc-parser's scanner (iterative, so no depth can overflow the stack) over a body:
 * refuses nesting deeper than MAX_JSON_DEPTH, and returns the exact text of each top-level property
 * value of an object. Run on text that JSON.parse accepts, so the scanner's leniency (comments,
 * trailing commas) never applies; with a repeated key the last one wins, as in JSON.parse.
 */
export function topLevelValues(text: string): Map<string, string> {
  const values = new Map<string, string>();
  const scanner = createScanner(text, true);
  let depth = 0;
  let key: string | undefined; // the top-level key whose value comes next
  let expectKey = false;
  let rootIsObject = false;
  let valueStart = -1; // where the top-level value being read began
  for (let kind = scanner.scan(); kind !== TOKEN.EOF; kind = scanner.scan()) {
    const offset = scanner.getTokenOffset();
    if (depth === 1 && expectKey && kind === TOKEN.String) {
      key = scanner.getTokenValue();
      expectKey = false;
      continue;
    }
    if (depth === 1 && key !== undefined && valueStart < 0 && kind !== TOKEN.Colon) valueStart = offset;
    if (OPENS.has(kind)) {
      if (++depth > MAX_JSON_DEPTH) throw new BadRequestError(`The request body nests deeper than ${MAX_JSON_DEPTH} levels.`);
      if (depth === 1) expectKey = rootIsObject = kind === TOKEN.OpenBrace;
      continue;
    }
    if (CLOSES.has(kind)) depth--;
    if (depth === 1 && key !== undefined && valueStart >= 0) {
      values.set(key, text.slice(valueStart, offset + scanner.getTokenLength()));
      key = undefined;
      valueStart = -1;
    }
    if (depth === 1 && kind === TOKEN.Comma) expectKey = rootIsObject;
  }
  return values;
}

/**
 * A compressed body would be read as its compressed bytes: refused rather than misread (and rather
 * than inflated, which would need its own limit on the decoded size to stay within the body limit).
 */
function refuseEncodedBody(request: FastifyRequest): void {
  const encoding = request.headers['content-encoding']?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') {
    throw new UnsupportedMediaTypeError(`Content-Encoding "${encoding.slice(0, 40)}" is not supported: send the JSON body uncompressed.`);
  }
}

type Done = (error: Error | null, value?: unknown) => void;
type JsonParser = (request: FastifyRequest, body: string, done: Done) => void;

/**
 * The API's application/json parser: strict UTF-8, then Fastify's JSON parser (`parse`), then the
 * depth limit and the raw top-level values. `__proto__` and `constructor` keys are data here
 * (JSON.parse makes them own properties, which pollute nothing), so a payload holding them is
 * stored as sent rather than refused.
 */
export function jsonBodyParser(parse: JsonParser) {
  return (request: FastifyRequest, body: Buffer, done: Done): void => {
    let parsed: unknown;
    let failure: Error | null = null;
    try {
      refuseEncodedBody(request);
      const text = decodeJsonText(body);
      request.rawBody = text;
      parse(request, text, (error, value) => {
        failure = error;
        parsed = value;
      });
      if (!failure) request.rawJsonValues = topLevelValues(text);
    } catch (error) {
      failure = error as Error;
    }
    done(failure, failure ? undefined : parsed);
  };
}
