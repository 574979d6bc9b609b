/**
 * Where webhook-ids already seen are kept. A claim is a lease: it marks the id as being processed
 * for `leaseMs`, so a concurrent duplicate is refused and a crashed receiver's claim runs out.
 * `complete` turns the lease into a "done" mark kept for `retainMs`; `release` drops it so the
 * sender's retry is processed. Both act only if the token still owns the id, so a handler that
 * outlived its lease cannot undo a newer claim.
 */
export type ClaimResult =
  | { status: 'claimed'; token: string }
  | { status: 'in-progress' }
  | { status: 'done' };

export interface DedupeStore {
  claim(id: string, leaseMs: number): Promise<ClaimResult>;
  complete(id: string, token: string, retainMs: number): Promise<void>;
  release(id: string, token: string): Promise<void>;
}
