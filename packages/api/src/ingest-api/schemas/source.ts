import { z } from 'zod';
import { IP_ALLOWLIST_PRESETS, publicSourceConfig } from '@herald/core';
import type { InboundSource } from '@herald/storage';
import { iso, metadata, uid } from '../../schemas/common.ts';

/**
 * IngestSourceIn as the svix SDK sends it ({type, config, name, uid, metadata}), plus Herald's
 * extensions. `config` is left unknown here: its shape depends on `type`, and the core's
 * validateSourceConfig is the one place that knows each type's shape.
 */
export const sourceIn = z.object({
  name: z.string().min(1).max(256),
  uid: uid.nullish(),
  metadata: metadata.default({}),
  type: z.string().min(1).max(64),
  config: z.unknown().optional(),
  // Herald extensions. The svix SDK never sends them, so on PUT a field left out keeps its value.
  disabled: z.boolean().optional(),
  allowedIps: z.array(z.string().max(64)).max(1_000).nullish(),
  ipPreset: z.string().min(1).max(64).nullish(),
  rateLimit: z.number().int().min(1).max(1_000_000).nullish(),
  response: z.object({
    status: z.number().int().min(200).max(299),
    contentType: z.string().min(1).max(256).regex(/^[^\r\n\0]*$/, 'must not contain line breaks'),
    body: z.string().max(65_536),
  }).nullish(),
  dedupe: z.object({
    from: z.enum(['header', 'body', 'query']),
    path: z.string().min(1).max(256),
  }).nullish(),
});
export type SourceIn = z.infer<typeof sourceIn>;

/** `{gracePeriodSeconds}` is a Herald extension; the SDK posts no body. Same bounds as endpoint secret rotation. */
export const tokenRotateIn = z.object({
  gracePeriodSeconds: z.number().int().min(0).max(604_800).nullish(),
});

/**
 * Splits a stored allowlist back into the preset it was built from and the addresses added to it,
 * so that what a client sent is what it reads back. The store keeps only the expanded CIDR list:
 * that is what the receive route checks, with no preset table to consult on the hot path.
 */
export function allowlistOut(cidrs: string[] | null): { allowedIps: string[] | null; ipPreset: string | null } {
  if (!cidrs) return { allowedIps: null, ipPreset: null };
  const held = new Set(cidrs);
  for (const [name, preset] of Object.entries(IP_ALLOWLIST_PRESETS)) {
    if (preset.length > 0 && preset.every((cidr) => held.has(cidr))) {
      const presetSet = new Set(preset);
      const rest = cidrs.filter((cidr) => !presetSet.has(cidr));
      return { allowedIps: rest.length > 0 ? rest : null, ipPreset: name };
    }
  }
  return { allowedIps: cidrs, ipPreset: null };
}

export function ingestUrlOf(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/in/${token}`;
}

/** IngestSourceOut: the config without its secrets (Svix's *ConfigOut), and the current ingest URL. */
export function sourceOut(source: InboundSource, ingestUrl: string | null) {
  return {
    id: source.id,
    uid: source.uid,
    name: source.name,
    type: source.type,
    config: publicSourceConfig(source.type, source.config as never),
    metadata: source.metadata,
    ingestUrl,
    createdAt: iso(source.createdAt),
    updatedAt: iso(source.updatedAt),
    disabled: source.disabled,
    ...allowlistOut(source.allowedCidrs),
    rateLimit: source.rateLimit,
    response: source.response,
    dedupe: source.dedupe,
  };
}
