export * from './store.ts';
export * from './inbound.ts';
export * from './transformations.ts';
export * from './pagination.ts';
export * from './secret-encryption.ts';
export * from './polling.ts';
