import { z } from 'zod';

/** Field rules shared by several resources, as the Svix OpenAPI document states them. */
export const uid = z.string().min(1).max(256).regex(/^[a-zA-Z0-9\-_.]+$/, 'may contain only letters, digits, "-", "_" and "."');
export const eventTypeName = z.string().min(1).max(256).regex(/^[a-zA-Z0-9\-_.]+$/, 'may contain only letters, digits, "-", "_" and "."');
/** A channel, as Svix's MessageIn and EndpointIn state it. */
export const channel = z.string().min(1).max(128).regex(/^[a-zA-Z0-9\-_.]+$/, 'may contain only letters, digits, "-", "_" and "."');
/**
 * A message tag. Not in the reference OpenAPI document (it predates tags); the rule is the one
 * Svix's current API states: at most 128 of these characters, up to 5 distinct tags a message.
 */
export const tag = z.string().min(1).max(128).regex(/^[a-zA-Z0-9\-_./\\#]+$/, 'may contain only letters, digits and "-", "_", ".", "/", "\\", "#"');
export const metadata = z.record(z.string(), z.string());
export const rate = z.number().int().min(0).max(65_535);

const csv = (value: unknown) => (typeof value === 'string' ? value.split(',').filter((part) => part.length > 0) : value);
const bool = (value: unknown) => (value === 'true' ? true : value === 'false' ? false : value);

/**
 * A page's iterator is the id of the row it continues after, as a previous page gave it (a leading
 * '-' walks backwards): anything else is a 422, as Svix answers, rather than a silent first page.
 */
export const idIterator = z.string().regex(/^-?[a-z]{1,16}_[0-9A-Za-z]{27}$/, 'must be an iterator a previous page returned').nullish();
/** Event types are paged by name. */
export const nameIterator = z.string().max(257).regex(/^-?[a-zA-Z0-9\-_.]+$/, 'must be an iterator a previous page returned').nullish();

export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(250).default(50),
  iterator: idIterator,
  order: z.enum(['ascending', 'descending']).optional(),
});

export const timeRange = z.object({
  before: z.iso.datetime({ offset: true }).optional(),
  after: z.iso.datetime({ offset: true }).optional(),
});

export const eventTypesQuery = z.preprocess(csv, z.array(eventTypeName).max(50)).optional();
export const booleanQuery = z.preprocess(bool, z.boolean());

export const iso = (ms: number): string => new Date(ms).toISOString();
export const msOf = (text: string | undefined): number | undefined => (text === undefined ? undefined : Date.parse(text));
