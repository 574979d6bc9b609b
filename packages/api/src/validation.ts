import { z } from 'zod';
import { ValidationError } from '@herald/core';

/** Parses with a zod schema; failures become Svix-shaped 422s that name the field at fault. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query' | 'path'): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((issue) => ({
      loc: [where, ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part))],
      msg: issue.message,
      type: `value_error.${issue.code}`,
    })),
  );
}
