import { randomUUID } from 'node:crypto';
import type { DedupeStore } from './store.ts';

export interface DedupeOptions {
  store: DedupeStore;
  /** How long one delivery may be processed before a duplicate may run it again. Default 60 s. */
  leaseMs?: number;
  /** How long a processed webhook-id is remembered. Default 24 h; Herald retries for days, so longer is safer. */
  retainMs?: number;
}

export type DedupeOutcome<T> = { status: 'processed'; value: T } | { status: 'duplicate' } | { status: 'in-progress' };

/** Runs `handler` unless this webhook-id was processed, or is being processed, already. */
export async function runOnce<T>(options: DedupeOptions, id: string, handler: () => Promise<T> | T): Promise<DedupeOutcome<T>> {
  const claim = await options.store.claim(id, options.leaseMs ?? 60_000);
  if (claim.status === 'done') return { status: 'duplicate' };
  if (claim.status === 'in-progress') return { status: 'in-progress' };
  let value: T;
  try {
    value = await handler();
  } catch (error) {
    await options.store.release(id, claim.token);
    throw error;
  }
  await options.store.complete(id, claim.token, options.retainMs ?? 86_400_000);
  return { status: 'processed', value };
}

export const newClaimToken = (): string => randomUUID();
