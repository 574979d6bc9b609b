import { z } from 'zod';
import { ValidationError, validateRequestFilter, type FilterVerdict, type RequestFilter } from '@herald/core';

export const filterTestIn = z.object({
  filter: z.unknown(),
  request: z.object({
    body: z.unknown().optional(),
    headers: z.record(z.string(), z.string()).default({}),
    query: z.record(z.string(), z.union([z.string(), z.array(z.string())])).default({}),
    path: z.string().max(8_192).default('/'),
  }),
});

export const sourceFilterTestIn = z.object({
  filter: z.unknown(),
  limit: z.number().int().min(1).max(100).default(20),
});

/** The filter as the core validates it when an endpoint is saved: a 422 naming the bad operator. */
export function checkedFilter(filter: unknown): RequestFilter {
  if (filter === undefined || filter === null) throw ValidationError.single(['body', 'filter'], 'a filter object is required');
  const problem = validateRequestFilter(filter);
  if (problem) {
    throw new ValidationError([{
      loc: ['body', 'filter', ...problem.path.split('.').filter((part) => part.length > 0)],
      msg: problem.message,
      type: 'value_error.filter',
    }]);
  }
  return filter as RequestFilter;
}

export function verdictOut(verdict: FilterVerdict) {
  return verdict.match ? { match: true } : { match: false, section: verdict.section, reason: verdict.reason };
}
