// The endpoint secret every bench endpoint is created with (Herald and the peer alike), so the
// receiver can verify a sample of signatures. A fixed test value, not a credential.
export const BENCH_ENDPOINT_SECRET = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;

/** The payload of the bench's message number n: what both sides deliver and the ceiling posts. */
export const benchPayload = (n: number) => ({ n, padding: 'x'.repeat(64) });
