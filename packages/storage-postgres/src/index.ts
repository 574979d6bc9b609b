export { PostgresStore, type PostgresStoreOptions } from './postgres-store.ts';
export { enqueueMessage, type EnqueueInput } from './enqueue.ts';
export type { PurgeCounts } from './queries/retention.ts';
