import { z } from 'zod';
import type { Application } from '@herald/core';
import { iso, metadata, rate, uid } from './common.ts';

export const applicationIn = z.object({
  name: z.string().min(1).max(256),
  uid: uid.nullish(),
  throttleRate: rate.min(1).nullish(),
  rateLimit: rate.min(1).nullish(),
  metadata: metadata.default({}),
});

export const applicationPatch = z.object({
  name: z.string().min(1).max(256).optional(),
  uid: uid.nullish(),
  throttleRate: rate.nullish(),
  rateLimit: rate.nullish(),
  metadata: metadata.optional(),
});

/** Svix renamed rateLimit to throttleRate; Herald reads either and writes both. */
export const throttleOf = (input: { throttleRate?: number | null; rateLimit?: number | null }) =>
  input.throttleRate ?? input.rateLimit ?? null;

export function applicationOut(app: Application) {
  return {
    id: app.id,
    uid: app.uid,
    name: app.name,
    throttleRate: app.throttleRate,
    rateLimit: app.throttleRate,
    metadata: app.metadata,
    createdAt: iso(app.createdAt),
    updatedAt: iso(app.updatedAt),
  };
}
