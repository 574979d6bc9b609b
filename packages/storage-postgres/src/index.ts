export { PostgresStore, type PostgresStoreOptions } from './postgres-store.ts';
export { enqueueMessage, type EnqueueInput } from './enqueue.ts';
export type { PurgeCounts } from './queries/retention.ts';
export { leaseRateLimitCredit, purgeIdleRateLimitBuckets } from './queries/rate-limits.ts';
export { listRelayOrigins, registerRelayOrigin } from './queries/relay-origins.ts';
