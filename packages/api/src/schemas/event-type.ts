import { z } from 'zod';
import type { EventType } from '@herald/core';
import { eventTypeName, iso } from './common.ts';

const featureFlag = z.string().max(256).regex(/^[a-zA-Z0-9\-_.]+$/).nullish();
const schemas = z.record(z.string(), z.unknown()).nullish();

export const eventTypeIn = z.object({
  name: eventTypeName,
  description: z.string().max(8_192),
  archived: z.boolean().default(false),
  deprecated: z.boolean().default(false),
  featureFlag,
  schemas,
});

export const eventTypeUpdate = eventTypeIn.omit({ name: true });

export const eventTypePatch = z.object({
  description: z.string().max(8_192).optional(),
  archived: z.boolean().optional(),
  deprecated: z.boolean().optional(),
  featureFlag,
  schemas,
});

export function eventTypeOut(type: EventType) {
  return {
    name: type.name,
    description: type.description,
    archived: type.archived,
    deprecated: type.deprecated,
    featureFlag: type.featureFlag,
    schemas: type.schemas,
    createdAt: iso(type.createdAt),
    updatedAt: iso(type.updatedAt),
  };
}

/** The payload send-example uses: the first example of the newest schema version, if any. */
export function examplePayload(type: EventType | undefined): Record<string, unknown> {
  const versions = Object.values(type?.schemas ?? {}) as Array<{ examples?: unknown[]; example?: unknown }>;
  for (const schema of versions.reverse()) {
    const example = schema?.examples?.[0] ?? schema?.example;
    if (example && typeof example === 'object' && !Array.isArray(example)) return example as Record<string, unknown>;
  }
  return {};
}
