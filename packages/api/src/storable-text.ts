import type { FastifyInstance } from 'fastify';
import { BadRequestError, ValidationError, type ValidationIssue } from '@herald/core';

/**
 * U+0000, or a UTF-16 surrogate without its pair (with the `u` flag a pair is one code point, so
 * only a lone half matches). PostgreSQL refuses U+0000 in text and jsonb; a lone surrogate has no
 * UTF-8 form, so node-postgres would store U+FFFD instead of what was sent, and jsonb refuses its
 * escape. SQLite would keep both. Refusing them here, once, makes both storage modes answer alike.
 */
const UNSTORABLE = /[\u0000\uD800-\uDFFF]/u;
const MESSAGE = 'must not contain U+0000 or an unpaired UTF-16 surrogate';
/** Enough to name the fields at fault without echoing a hostile body back in full. */
const MAX_ISSUES = 20;

type Loc = Array<string | number>;

/** The location of every string (value or key) in `value` that storage could not hold as sent. */
export function unstorableText(value: unknown, loc: Loc, skip?: (loc: Loc) => boolean): Loc[] {
  const found: Loc[] = [];
  // Iterative: a body may nest up to MAX_JSON_DEPTH levels.
  const stack: Array<[unknown, Loc]> = [[value, loc]];
  while (stack.length > 0 && found.length < MAX_ISSUES) {
    const [item, at] = stack.pop()!;
    if (skip?.(at)) continue;
    if (typeof item === 'string') {
      if (UNSTORABLE.test(item)) found.push(at);
    } else if (Array.isArray(item)) {
      item.forEach((element, index) => stack.push([element, [...at, index]]));
    } else if (item !== null && typeof item === 'object') {
      for (const [key, element] of Object.entries(item)) {
        if (UNSTORABLE.test(key)) found.push([...at, key]);
        stack.push([element, [...at, key]]);
      }
    }
  }
  return found;
}

/**
 * A message's `payload` is exempt: it is stored and delivered as the exact JSON text received, in
 * which U+0000 or a lone surrogate is a six-character escape that every store holds and every JSON
 * parser reads, so refusing it would refuse valid webhooks.
 */
const isMessagePayload = (loc: Loc) => loc.length === 2 && loc[0] === 'body' && loc[1] === 'payload';

/**
 * Checks every path and query value (400) before anything, authentication's store lookups
 * included, reads them, and every string of a JSON body (422 naming each field) before a handler.
 */
export function registerStorableTextChecks(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const bad = [
      ...unstorableText(request.params ?? {}, ['path']),
      ...unstorableText(request.query ?? {}, ['query']),
    ];
    if (bad.length > 0) throw new BadRequestError(`${bad.map((loc) => loc.join('.')).join(', ')}: ${MESSAGE}.`);
  });
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined || request.body === null) return;
    const bad = unstorableText(request.body, ['body'], isMessagePayload);
    if (bad.length > 0) {
      throw new ValidationError(bad.map((loc): ValidationIssue => ({ loc, msg: MESSAGE, type: 'value_error.str.unstorable' })));
    }
  });
}
